package gas

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
	"github.com/p2pmanager/p2pmanager/supplicant/internal/vectors"
)

// capturedGAS is one GAS frame from the captures of real wpa_supplicant
// peers (supplicant/internal/vectors).
type capturedGAS struct {
	capture string
	index   int
	da, sa  ieee80211.MAC
	retry   bool   // Retry bit of Frame Control
	body    []byte // from the Category octet on
}

func (c capturedGAS) String() string {
	return fmt.Sprintf("%s frame %d %v -> %v", c.capture, c.index, c.sa, c.da)
}

// capturedGASFrames returns every unprotected GAS Action frame of every
// capture, in capture order.
func capturedGASFrames(tb testing.TB) (frames []capturedGAS, captures []string) {
	tb.Helper()
	names, err := vectors.Names()
	if err != nil {
		tb.Fatalf("vectors.Names: %v", err)
	}
	for _, name := range names {
		all, err := vectors.Load(name)
		if err != nil {
			tb.Fatalf("vectors.Load(%s): %v", name, err)
		}
		for _, f := range all {
			d := f.Data
			if len(d) < 24 {
				continue
			}
			fc := uint16(d[0]) | uint16(d[1])<<8
			if (fc>>2)&3 != 0 || (fc>>4)&0xf != 13 || fc&0x4000 != 0 { // Action, unprotected
				continue
			}
			hdr := 24
			if fc&0x8000 != 0 { // +HTC
				hdr += 4
			}
			if len(d) < hdr || !IsGAS(d[hdr:]) {
				continue
			}
			c := capturedGAS{capture: name, index: f.Index, retry: fc&0x0800 != 0, body: d[hdr:]}
			copy(c.da[:], d[4:10])
			copy(c.sa[:], d[10:16])
			frames = append(frames, c)
		}
	}
	return frames, names
}

// exchange is one service discovery query seen in the captures.
type exchange struct {
	request     *SDRequest
	requestBody []byte
	r           *Reassembler
	last        []byte // body of the last response accepted, to spot retransmissions
	frag        bool   // answered in Comeback Responses
}

type exchangeKey struct {
	requester, responder ieee80211.MAC
	token                uint8
}

// requireVectors reports whether missing captures must fail the test.
func requireVectors() bool { return os.Getenv("P2P_REQUIRE_VECTORS") == "1" }

// TestCapturedGASFramesDecodeAndReencodeByteExactly decodes every GAS frame
// of the captures, checks its service discovery fields (protocol types,
// transaction IDs, fragment IDs through a Reassembler) and re-encodes it.
// Without captures holding GAS frames it skips, or fails when
// P2P_REQUIRE_VECTORS=1. When service-discovery.pcap is present it must
// show Bonjour, UPnP and a fragmented response.
func TestCapturedGASFramesDecodeAndReencodeByteExactly(t *testing.T) {
	frames, names := capturedGASFrames(t)
	if len(frames) == 0 {
		if requireVectors() {
			t.Fatalf("no GAS frames in the captures %v (P2P_REQUIRE_VECTORS=1)", names)
		}
		t.Skipf("no GAS frames in the captures %v; set P2P_REQUIRE_VECTORS=1 to fail instead", names)
	}
	exchanges := map[exchangeKey]*exchange{}
	var bonjour, upnp, fragmented, completed int
	summaries := map[string][]string{} // capture -> one line per completed exchange
	for _, c := range frames {
		f, err := DecodeGAS(c.body)
		if err != nil {
			t.Errorf("%v: DecodeGAS: %v", c, err)
			continue
		}
		if diff := cmp.Diff(c.body, encode(t, f)); diff != "" {
			t.Errorf("%v: re-encoding differs (-captured +encoded):\n%s", c, diff)
		}
		switch f := f.(type) {
		case *InitialRequest:
			req, err := SDRequestOf(f)
			if err != nil {
				t.Errorf("%v: SDRequestOf: %v", c, err)
				continue
			}
			checkRequestTLVs(t, c, req)
			if q, err := req.AppendQuery(nil); err != nil || !bytes.Equal(q, f.Query) {
				t.Errorf("%v: SD request re-encodes to % x, %v; want % x", c, q, err, f.Query)
			}
			// Our builder produces the very frame wpa_supplicant sent.
			if built, err := req.InitialRequest(f.DialogToken); err != nil {
				t.Errorf("%v: InitialRequest: %v", c, err)
			} else if diff := cmp.Diff(c.body, encode(t, built)); diff != "" {
				t.Errorf("%v: SDRequest.InitialRequest differs from the capture (-captured +built):\n%s", c, diff)
			}
			// hostap sends every P2P SD query with dialog token 0, one at a
			// time per peer: a request that is not a retransmission of the
			// one in progress starts a new exchange.
			key := exchangeKey{requester: c.sa, responder: c.da, token: f.DialogToken}
			if x, ok := exchanges[key]; ok && !x.r.Complete() && (c.retry || bytes.Equal(c.body, x.requestBody)) {
				continue
			}
			exchanges[key] = &exchange{request: &req, requestBody: c.body, r: NewReassembler(f.DialogToken, 0)}
		case *InitialResponse, *ComebackResponse:
			var token uint8
			if ir, ok := f.(*InitialResponse); ok {
				token = ir.DialogToken
			} else {
				token = f.(*ComebackResponse).DialogToken
			}
			x := exchanges[exchangeKey{requester: c.da, responder: c.sa, token: token}]
			if x == nil {
				t.Errorf("%v: response with dialog token %d to no captured request", c, token)
				continue
			}
			if _, ok := f.(*ComebackResponse); ok {
				x.frag = true
			}
			done, err := x.r.Add(f)
			switch {
			case err == nil:
				x.last = c.body
			case bytes.Equal(c.body, x.last) && (errors.Is(err, ErrDuplicateFragment) || errors.Is(err, ErrUnexpectedFrame)):
				continue // retransmission of the frame accepted last
			default:
				t.Errorf("%v: Reassembler: %v", c, err)
				continue
			}
			if !done {
				continue
			}
			completed++
			if x.frag {
				fragmented++
			}
			resp, err := ParseSDResponse(x.r.Response())
			if err != nil {
				t.Errorf("%v: ParseSDResponse of the reassembled response: %v", c, err)
				continue
			}
			if q, err := resp.AppendQueryResponse(nil); err != nil || !bytes.Equal(q, x.r.Response()) {
				t.Errorf("%v: SD response does not re-encode byte-exactly (%v)", c, err)
			}
			if !x.frag { // SplitResponse answers short responses as wpa_supplicant did
				initial, comebacks, err := SplitResponse(token, ANQPAdvertisementProtocol(QueryResponseInfoResponse), x.r.Response())
				if err != nil || len(comebacks) != 0 {
					t.Errorf("%v: SplitResponse: %d comebacks, %v", c, len(comebacks), err)
				} else if diff := cmp.Diff(c.body, encode(t, initial)); diff != "" {
					t.Errorf("%v: SplitResponse differs from the capture (-captured +built):\n%s", c, diff)
				}
			}
			b, u := checkResponseTLVs(t, c, *x.request, resp)
			bonjour += b
			upnp += u
			summaries[c.capture] = append(summaries[c.capture], summarize(*x.request, resp, x.r.NextFragmentID()))
		case *ComebackRequest:
			if _, ok := exchanges[exchangeKey{requester: c.sa, responder: c.da, token: f.DialogToken}]; !ok {
				t.Errorf("%v: Comeback Request with dialog token %d for no captured request", c, f.DialogToken)
			}
		}
	}
	t.Logf("%d GAS frames, %d responses completed (%d fragmented), %d Bonjour and %d UPnP service responses",
		len(frames), completed, fragmented, bonjour, upnp)
	if slices.Contains(names, "service-discovery.pcap") {
		if bonjour == 0 || upnp == 0 || fragmented == 0 {
			t.Errorf("service-discovery.pcap should hold Bonjour (%d), UPnP (%d) and fragmented (%d) responses", bonjour, upnp, fragmented)
		}
		got := summaries["service-discovery.pcap"]
		slices.Sort(got)
		if diff := cmp.Diff(serviceDiscoveryExchanges, got); diff != "" {
			t.Errorf("service-discovery.pcap exchanges differ from capture.sh's four queries (-want +got):\n%s", diff)
		}
	}
}

// serviceDiscoveryExchanges are the four queries capture.sh's
// service-discovery scenario sends and what the responder's services
// (twelve Bonjour records, four UPnP services) make of them, sorted. hostap
// answers "every service" with one TLV per service, a UPnP search with one
// TLV listing every match.
// "fragments 3" means Fragment IDs 0, 1 and 2 arrived in order.
var serviceDiscoveryExchanges = []string{
	"request [All Service Protocol Types/1] -> fragments 3, response [Bonjour/1/Success x12 UPnP/1/Success x4]",
	"request [Bonjour/1 (every service)] -> fragments 3, response [Bonjour/1/Success x12]",
	"request [Bonjour/1 _afpovertcp._tcp.local PTR] -> fragments 0, response [Bonjour/1/Success x1]",
	"request [UPnP/1 ssdp:all] -> fragments 0, response [UPnP/1/Success x1]",
}

// summarize describes one completed exchange in a line.
func summarize(req SDRequest, resp SDResponse, fragments uint8) string {
	var reqs []string
	for _, tlv := range req.TLVs {
		s := fmt.Sprintf("%v/%d", tlv.ServiceProtocolType, tlv.ServiceTransactionID)
		switch tlv.ServiceProtocolType {
		case ServiceProtocolBonjour:
			if q, err := ParseBonjourQuery(tlv.QueryData); err == nil {
				name, _ := q.DomainName()
				typ := fmt.Sprint(q.Type)
				if q.Type == DNSTypePTR {
					typ = "PTR"
				}
				s += " " + name + " " + typ
			} else if len(tlv.QueryData) == 0 {
				s += " (every service)"
			} else {
				s += fmt.Sprintf(" % x", tlv.QueryData)
			}
		case ServiceProtocolUPnP:
			if q, err := ParseUPnPQuery(tlv.QueryData); err == nil {
				s += " " + q.SearchTarget
			}
		}
		reqs = append(reqs, s)
	}
	var resps []string
	for _, tlv := range resp.TLVs {
		s := fmt.Sprintf("%v/%d/%v", tlv.ServiceProtocolType, tlv.ServiceTransactionID, tlv.StatusCode)
		if n := len(resps); n > 0 && strings.HasPrefix(resps[n-1], s+" x") {
			var k int
			fmt.Sscanf(strings.TrimPrefix(resps[n-1], s+" x"), "%d", &k)
			resps[n-1] = fmt.Sprintf("%s x%d", s, k+1)
			continue
		}
		resps = append(resps, s+" x1")
	}
	return fmt.Sprintf("request %v -> fragments %d, response %v", reqs, fragments, resps)
}

var knownProtocols = []ServiceProtocolType{
	ServiceProtocolAll, ServiceProtocolBonjour, ServiceProtocolUPnP, ServiceProtocolWSDiscovery,
	ServiceProtocolWiFiDisplay, ServiceProtocolP2PS, ServiceProtocolVendorSpecific,
}

func checkRequestTLVs(t *testing.T, c capturedGAS, req SDRequest) {
	t.Helper()
	if len(req.TLVs) == 0 {
		t.Errorf("%v: SD request without TLVs", c)
	}
	for _, tlv := range req.TLVs {
		if !slices.Contains(knownProtocols, tlv.ServiceProtocolType) {
			t.Errorf("%v: request TLV with Service Protocol Type %v", c, tlv.ServiceProtocolType)
		}
		if len(tlv.QueryData) == 0 {
			continue
		}
		var err error
		switch tlv.ServiceProtocolType {
		case ServiceProtocolBonjour:
			var q BonjourQuery
			if q, err = ParseBonjourQuery(tlv.QueryData); err == nil {
				_, err = q.DomainName()
			}
		case ServiceProtocolUPnP:
			_, err = ParseUPnPQuery(tlv.QueryData)
		case ServiceProtocolWiFiDisplay:
			_, err = ParseWFDQuery(tlv.QueryData)
		}
		if err != nil {
			t.Errorf("%v: %v Query Data % x: %v", c, tlv.ServiceProtocolType, tlv.QueryData, err)
		}
	}
}

// checkResponseTLVs matches each response TLV to the request (transaction
// ID; protocol type unless the request asked for all) and decodes its data.
func checkResponseTLVs(t *testing.T, c capturedGAS, req SDRequest, resp SDResponse) (bonjour, upnp int) {
	t.Helper()
	for _, tlv := range resp.TLVs {
		matched := slices.ContainsFunc(req.TLVs, func(r ServiceRequestTLV) bool {
			return r.ServiceTransactionID == tlv.ServiceTransactionID &&
				(r.ServiceProtocolType == tlv.ServiceProtocolType || r.ServiceProtocolType == ServiceProtocolAll)
		})
		if !matched {
			t.Errorf("%v: response TLV %v transaction %d answers no request TLV %+v", c, tlv.ServiceProtocolType, tlv.ServiceTransactionID, req.TLVs)
		}
		if tlv.StatusCode > SDStatusBadRequest {
			t.Errorf("%v: response TLV Status Code %v", c, tlv.StatusCode)
		}
		if tlv.StatusCode != SDStatusSuccess {
			continue
		}
		switch tlv.ServiceProtocolType {
		case ServiceProtocolBonjour:
			r, err := ParseBonjourResponse(tlv.ResponseData)
			if err == nil {
				_, err = r.Query.DomainName()
			}
			if err == nil && r.Query.Type == DNSTypePTR {
				_, err = r.RDATAName()
			}
			if err != nil {
				t.Errorf("%v: Bonjour Response Data % x: %v", c, tlv.ResponseData, err)
			}
			bonjour++
		case ServiceProtocolUPnP:
			if _, err := ParseUPnPResponse(tlv.ResponseData); err != nil {
				t.Errorf("%v: UPnP Response Data %q: %v", c, tlv.ResponseData, err)
			}
			upnp++
		}
	}
	return bonjour, upnp
}
