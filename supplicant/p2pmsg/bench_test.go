package p2pmsg

import (
	"testing"

	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
)

// BenchmarkParseProbeResponse parses the elements of a GO's probe response,
// gathers its WSC IE payload and fully decodes its P2P IE.
func BenchmarkParseProbeResponse(b *testing.B) {
	ies := readTestdata(b, "proberesp-go.dat")
	b.ReportAllocs()
	b.SetBytes(int64(len(ies)))
	for b.Loop() {
		elems, err := ieee80211.ParseElements(ies)
		if err != nil {
			b.Fatal(err)
		}
		if _, ok := WSCPayload(elems); !ok {
			b.Fatal("no WSC IE")
		}
		a, found, err := ParseIE(elems)
		if err != nil || !found || a.DeviceInfo == nil {
			b.Fatalf("ParseIE: %v", err)
		}
	}
}

// BenchmarkParseGONegotiationRequest decodes the hostap corpus GO
// Negotiation Request body.
func BenchmarkParseGONegotiationRequest(b *testing.B) {
	body := readTestdata(b, "go-neg-req.dat")[mgmtHeaderLen:]
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		f, err := ParsePublicAction(body)
		if err != nil || f.P2P.GOIntent == nil {
			b.Fatalf("ParsePublicAction: %v", err)
		}
	}
}
