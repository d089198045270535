package gas

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
)

// Service registrations from hostap's test_p2p_service.py.
var (
	afpQueryKey = hx("0b 5f 61 66 70 6f 76 65 72 74 63 70 c0 0c 00 0c 01") // _afpovertcp._tcp.local PTR
	afpRDATA    = hx("07 45 78 61 6d 70 6c 65 c0 27")                      // Example.<query name>
	ippQueryKey = hx("09 6d 79 70 72 69 6e 74 65 72 04 5f 69 70 70 c0 0c 00 10 01")
	ippRDATA    = hx("09 74 78 74 76 65 72 73 3d 31 1a 70 64 6c 3d 61 70 70 6c 69 63 61 74 69 6f 6e 2f 70 6f 73 74 73 63 72 79 70 74")
	upnpRoot    = "uuid:6859dede-8574-59ab-9332-123456789012::upnp:rootdevice"
)

func TestParseServiceRequestTLVsReadsEachTLV(t *testing.T) {
	in := hx("02 00 00 01  05 00 01 02 c0 0c 00  0b 00 02 03 10 73 73 64 70 3a 61 6c 6c  06 00 04 04 00 02 03 04  02 00 ff 05")
	want := []ServiceRequestTLV{
		{ServiceProtocolType: ServiceProtocolAll, ServiceTransactionID: 1},
		{ServiceProtocolType: ServiceProtocolBonjour, ServiceTransactionID: 2, QueryData: hx("c0 0c 00")},
		{ServiceProtocolType: ServiceProtocolUPnP, ServiceTransactionID: 3, QueryData: hx("10 73 73 64 70 3a 61 6c 6c")},
		{ServiceProtocolType: ServiceProtocolWiFiDisplay, ServiceTransactionID: 4, QueryData: hx("00 02 03 04")},
		{ServiceProtocolType: ServiceProtocolVendorSpecific, ServiceTransactionID: 5},
	}
	got, err := ParseServiceRequestTLVs(in)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
	out, err := AppendServiceRequestTLVs(nil, got)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(in, out); diff != "" {
		t.Errorf("re-encoding mismatch (-want +got):\n%s", diff)
	}
}

func TestParseServiceResponseTLVsReadsEachTLV(t *testing.T) {
	in := cat(hx("1e 00 01 01 00"), afpQueryKey, afpRDATA, hx("03 00 02 02 01  03 00 0b 03 03"))
	want := []ServiceResponseTLV{
		{ServiceProtocolType: ServiceProtocolBonjour, ServiceTransactionID: 1, StatusCode: SDStatusSuccess,
			ResponseData: cat(afpQueryKey, afpRDATA)},
		{ServiceProtocolType: ServiceProtocolUPnP, ServiceTransactionID: 2, StatusCode: SDStatusServiceProtocolTypeNotAvailable},
		{ServiceProtocolType: ServiceProtocolP2PS, ServiceTransactionID: 3, StatusCode: SDStatusBadRequest},
	}
	got, err := ParseServiceResponseTLVs(in)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
	out, err := AppendServiceResponseTLVs(nil, got)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(in, out); diff != "" {
		t.Errorf("re-encoding mismatch (-want +got):\n%s", diff)
	}
}

func TestServiceTLVParsersRejectBadLengths(t *testing.T) {
	tests := []struct {
		name     string
		in       []byte
		response bool
		want     error
	}{
		{"request Length 0", hx("00 00"), false, ieee80211.ErrInvalid},
		{"request Length 1", hx("01 00 01"), false, ieee80211.ErrInvalid},
		{"request Length 0xFFFF", hx("ff ff 01 01"), false, ieee80211.ErrTruncated},
		{"request lone trailing octet", hx("02 00 01 01 02"), false, ieee80211.ErrTruncated},
		{"response Length 0", hx("00 00"), true, ieee80211.ErrInvalid},
		{"response Length 2", hx("02 00 01 01"), true, ieee80211.ErrInvalid},
		{"response Length 0xFFFF", hx("ff ff 01 01 00"), true, ieee80211.ErrTruncated},
		{"response Length past the input", hx("04 00 01 01 00"), true, ieee80211.ErrTruncated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			if tt.response {
				var got []ServiceResponseTLV
				got, err = ParseServiceResponseTLVs(tt.in)
				if got != nil {
					t.Errorf("partial output %+v", got)
				}
			} else {
				var got []ServiceRequestTLV
				got, err = ParseServiceRequestTLVs(tt.in)
				if got != nil {
					t.Errorf("partial output %+v", got)
				}
			}
			if !errors.Is(err, tt.want) {
				t.Errorf("error %v, want %v", err, tt.want)
			}
		})
	}
}

func TestServiceTLVAppendRejectsDataLongerThanTheLengthField(t *testing.T) {
	if _, err := (ServiceRequestTLV{QueryData: make([]byte, MaxQueryData+1)}).Append(nil); !errors.Is(err, ieee80211.ErrInvalid) {
		t.Errorf("request: %v", err)
	}
	if _, err := (ServiceResponseTLV{ResponseData: make([]byte, MaxResponseData+1)}).Append(nil); !errors.Is(err, ieee80211.ErrInvalid) {
		t.Errorf("response: %v", err)
	}
	if _, err := (ServiceRequestTLV{QueryData: make([]byte, MaxQueryData)}).Append(nil); err != nil {
		t.Errorf("request at the limit: %v", err)
	}
}

func TestSDRequestBuildsTheInitialRequestHostapSends(t *testing.T) {
	req := SDRequest{ServiceUpdateIndicator: 3, TLVs: []ServiceRequestTLV{{ServiceProtocolType: ServiceProtocolBonjour, ServiceTransactionID: 5}}}
	f, err := req.InitialRequest(7)
	if err != nil {
		t.Fatal(err)
	}
	want := hx("04 0a 07 6c 02 00 00 0e 00 dd dd 0a 00 50 6f 9a 09 03 00 02 00 01 05")
	if diff := cmp.Diff(want, encode(t, f)); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
	got, err := SDRequestOf(decode(t, want).(*InitialRequest))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(req, got); diff != "" {
		t.Errorf("SDRequestOf mismatch (-want +got):\n%s", diff)
	}
}

func TestSDResponseOfReadsAnUnfragmentedResponse(t *testing.T) {
	in := hx("04 0b 07 00 00 00 00 6c 02 7f 00 12 00 dd dd 0e 00 50 6f 9a 09 03 00 06 00 01 05 00 aa bb cc")
	got, err := SDResponseOf(decode(t, in).(*InitialResponse))
	if err != nil {
		t.Fatal(err)
	}
	want := SDResponse{ServiceUpdateIndicator: 3, TLVs: []ServiceResponseTLV{
		{ServiceProtocolType: ServiceProtocolBonjour, ServiceTransactionID: 5, ResponseData: hx("aa bb cc")}}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
	q, err := got.AppendQueryResponse(nil)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(in[13:], q); diff != "" {
		t.Errorf("AppendQueryResponse mismatch (-want +got):\n%s", diff)
	}
}

func TestSDResponseOfRejectsFailuresAndFragmentedResponses(t *testing.T) {
	tests := []struct {
		name string
		f    *InitialResponse
		want error
	}{
		{"failure status", &InitialResponse{StatusCode: StatusNoOutstandingGASRequest}, ErrStatus},
		{"comeback delay", &InitialResponse{ComebackDelay: 1, AdvertisementProtocol: anqpResponse}, ieee80211.ErrInvalid},
		{"not ANQP", &InitialResponse{AdvertisementProtocol: AdvertisementProtocol{{ID: AdvertisementProtocolEAS}}}, ErrUnsupported},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := SDResponseOf(tt.f); !errors.Is(err, tt.want) {
				t.Errorf("error %v, want %v", err, tt.want)
			}
		})
	}
}

func TestParseSDRequestRejectsExtraANQPElements(t *testing.T) {
	in := hx("dd dd 06 00 50 6f 9a 09 00 00 00 01 00 00")
	if _, err := ParseSDRequest(in); !errors.Is(err, ieee80211.ErrInvalid) {
		t.Errorf("error %v, want ErrInvalid", err)
	}
}

func TestSDAppendRejectsAnElementOver65535Octets(t *testing.T) {
	r := SDResponse{TLVs: []ServiceResponseTLV{{ResponseData: make([]byte, MaxResponseData)}}}
	if _, err := r.AppendQueryResponse(nil); !errors.Is(err, ErrTooLarge) {
		t.Errorf("error %v, want ErrTooLarge", err)
	}
}

func TestParseANQPElementsKeepsUnknownInfoIDs(t *testing.T) {
	in := hx("00 01 02 00 01 01  ff ff 00 00  dd dd 04 00 50 6f 9a 11")
	want := []ANQPElement{
		{InfoID: InfoIDQueryList, Data: hx("01 01")},
		{InfoID: 0xffff},
		{InfoID: InfoIDVendorSpecific, Data: hx("50 6f 9a 11")},
	}
	got, err := ParseANQPElements(in)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
	out, err := AppendANQPElements(nil, got)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(in, out); diff != "" {
		t.Errorf("re-encoding mismatch (-want +got):\n%s", diff)
	}
	if _, err := AppendANQPElement(nil, ANQPElement{Data: make([]byte, 65536)}); !errors.Is(err, ieee80211.ErrInvalid) {
		t.Errorf("oversized element: %v", err)
	}
}

func TestBonjourQueryAndResponseFollowHostapServiceRegistrations(t *testing.T) {
	tests := []struct {
		name      string
		key       []byte
		rdata     []byte
		want      BonjourQuery
		wantName  string
		wantRDATA string // expanded RDATA name for PTR
	}{
		{
			name: "PTR with compressed names", key: afpQueryKey, rdata: afpRDATA,
			want:     BonjourQuery{Name: hx("0b 5f 61 66 70 6f 76 65 72 74 63 70 c0 0c"), Type: DNSTypePTR, Version: BonjourVersion1},
			wantName: "_afpovertcp._tcp.local", wantRDATA: "Example._afpovertcp._tcp.local",
		},
		{
			name: "TXT", key: ippQueryKey, rdata: ippRDATA,
			want:     BonjourQuery{Name: hx("09 6d 79 70 72 69 6e 74 65 72 04 5f 69 70 70 c0 0c"), Type: DNSTypeTXT, Version: BonjourVersion1},
			wantName: "myprinter._ipp._tcp.local",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := ParseBonjourQuery(tt.key)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, q); diff != "" {
				t.Errorf("query mismatch (-want +got):\n%s", diff)
			}
			name, err := q.DomainName()
			if err != nil || name != tt.wantName {
				t.Errorf("DomainName = %q, %v; want %q", name, err, tt.wantName)
			}
			r, err := ParseBonjourResponse(cat(tt.key, tt.rdata))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(BonjourResponse{Query: tt.want, RDATA: tt.rdata}, r); diff != "" {
				t.Errorf("response mismatch (-want +got):\n%s", diff)
			}
			out, err := r.Append(nil)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(cat(tt.key, tt.rdata), out); diff != "" {
				t.Errorf("re-encoding mismatch (-want +got):\n%s", diff)
			}
			if tt.wantRDATA != "" {
				got, err := r.RDATAName()
				if err != nil || got != tt.wantRDATA {
					t.Errorf("RDATAName = %q, %v; want %q", got, err, tt.wantRDATA)
				}
			}
		})
	}
}

func TestEncodeDNSNameWritesUncompressedLabels(t *testing.T) {
	got, err := EncodeDNSName("_ipp._tcp.local.")
	if err != nil {
		t.Fatal(err)
	}
	want := hx("04 5f 69 70 70 04 5f 74 63 70 05 6c 6f 63 61 6c 00")
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
	q := BonjourQuery{Name: got, Type: DNSTypePTR, Version: BonjourVersion1}
	if name, err := q.DomainName(); err != nil || name != "_ipp._tcp.local" {
		t.Errorf("DomainName = %q, %v", name, err)
	}
	for _, bad := range []string{"a..b", string(make([]byte, 64)), "a." + string(make([]byte, 300))} {
		if _, err := EncodeDNSName(bad); !errors.Is(err, ieee80211.ErrInvalid) {
			t.Errorf("EncodeDNSName(%q): %v, want ErrInvalid", bad, err)
		}
	}
}

func TestBonjourParsersRejectMalformedNames(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want error
	}{
		{"empty", nil, ieee80211.ErrTruncated},
		{"label past the end", hx("05 61 62"), ieee80211.ErrTruncated},
		{"no type and version", hx("01 61 00 00 0c"), ieee80211.ErrTruncated},
		{"half a pointer", hx("c0"), ieee80211.ErrTruncated},
		{"reserved label type", hx("41 61 00 00 0c 01"), ieee80211.ErrInvalid},
		{"extra octets after the query", hx("00 00 0c 01 ff"), ieee80211.ErrInvalid},
		{"name over 255 octets", cat(repeat(hx("3f"), make([]byte, 63), 5), hx("00 00 0c 01")), ieee80211.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ParseBonjourQuery(tt.in); !errors.Is(err, tt.want) {
				t.Errorf("error %v, want %v", err, tt.want)
			}
		})
	}
}

// repeat returns n copies of the concatenation of a and b.
func repeat(a, b []byte, n int) []byte {
	var out []byte
	for range n {
		out = append(out, a...)
		out = append(out, b...)
	}
	return out
}

func TestDomainNameRejectsPointersThatDoNotPointBackwards(t *testing.T) {
	tests := []struct {
		name string
		in   BonjourQuery
		want error
	}{
		{"pointer to itself", BonjourQuery{Name: hx("c0 27")}, ieee80211.ErrInvalid},
		{"pointer forwards", BonjourQuery{Name: hx("c0 40")}, ieee80211.ErrInvalid},
		{"pointer loop through the query", BonjourQuery{Name: hx("01 61 c0 27")}, ieee80211.ErrTruncated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := tt.in.DomainName(); !errors.Is(err, tt.want) {
				t.Errorf("error %v, want %v", err, tt.want)
			}
		})
	}
	// An escaped label: dot, backslash and a control octet.
	q := BonjourQuery{Name: hx("04 61 2e 5c 01 c0 0c")}
	if got, err := q.DomainName(); err != nil || got != `a\.\\\001._tcp.local` {
		t.Errorf("DomainName = %q, %v", got, err)
	}
	if got, err := (BonjourQuery{Name: hx("00")}).DomainName(); err != nil || got != "." {
		t.Errorf("root DomainName = %q, %v", got, err)
	}
}

func TestUPnPQueryAndResponseRoundTrip(t *testing.T) {
	qin := cat(hx("10"), []byte("ssdp:all"))
	q, err := ParseUPnPQuery(qin)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(UPnPQuery{Version: UPnPVersion1_0, SearchTarget: "ssdp:all"}, q); diff != "" {
		t.Errorf("query mismatch (-want +got):\n%s", diff)
	}
	if out, err := q.Append(nil); err != nil || string(out) != string(qin) {
		t.Errorf("query Append = % x, %v", out, err)
	}
	second := "uuid:5566d33e-9774-09ab-4822-333456785632::urn:schemas-upnp-org:service:ContentDirectory:2"
	rin := cat(hx("10"), []byte(upnpRoot+","+second))
	r, err := ParseUPnPResponse(rin)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(UPnPResponse{Version: UPnPVersion1_0, Services: []string{upnpRoot, second}}, r); diff != "" {
		t.Errorf("response mismatch (-want +got):\n%s", diff)
	}
	if out, err := r.Append(nil); err != nil || string(out) != string(rin) {
		t.Errorf("response Append = %q, %v", out, err)
	}
	if r, err := ParseUPnPResponse(hx("10")); err != nil || r.Services != nil {
		t.Errorf("version-only response = %+v, %v", r, err)
	}
}

func TestUPnPParsersRejectEmptyNonUTF8AndControlText(t *testing.T) {
	for _, in := range [][]byte{nil, hx("10 ff fe"), hx("10 61 00 62"), hx("10 61 0a")} {
		if _, err := ParseUPnPQuery(in); err == nil {
			t.Errorf("ParseUPnPQuery(% x) succeeded", in)
		}
		if _, err := ParseUPnPResponse(in); err == nil {
			t.Errorf("ParseUPnPResponse(% x) succeeded", in)
		}
	}
	if _, err := (UPnPResponse{Services: []string{"a,b"}}).Append(nil); !errors.Is(err, ieee80211.ErrInvalid) {
		t.Errorf("service with a comma: %v", err)
	}
}

func TestWFDQueryAndSubelementsRoundTrip(t *testing.T) {
	in := hx("00 02 03 04 05")
	q, err := ParseWFDQuery(in)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(WFDQuery{RequestedDeviceRole: WFDRoleSource, SubelementIDs: []uint8{2, 3, 4, 5}}, q); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(in, q.Append(nil)); diff != "" {
		t.Errorf("Append mismatch (-want +got):\n%s", diff)
	}
	if _, err := ParseWFDQuery(nil); !errors.Is(err, ieee80211.ErrTruncated) {
		t.Errorf("empty query: %v", err)
	}

	resp := hx("00 00 06 00 11 1c 44 00 32  01 00 00")
	subs, err := ParseWFDSubelements(resp)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]WFDSubelement{{ID: 0, Body: hx("00 11 1c 44 00 32")}, {ID: 1}}, subs); diff != "" {
		t.Errorf("subelements mismatch (-want +got):\n%s", diff)
	}
	out, err := AppendWFDSubelements(nil, subs)
	if err != nil || string(out) != string(resp) {
		t.Errorf("AppendWFDSubelements = % x, %v", out, err)
	}
	for _, bad := range [][]byte{hx("00 00"), hx("00 00 07 00")} {
		if _, err := ParseWFDSubelements(bad); !errors.Is(err, ieee80211.ErrTruncated) {
			t.Errorf("ParseWFDSubelements(% x): %v", bad, err)
		}
	}
}

func TestProtocolTypeAndStatusHaveNames(t *testing.T) {
	if ServiceProtocolBonjour.String() != "Bonjour" || ServiceProtocolType(9).String() != "reserved (9)" {
		t.Error("ServiceProtocolType.String")
	}
	if SDStatusBadRequest.String() != "Bad Request" || SDStatusCode(7).String() != "reserved (7)" {
		t.Error("SDStatusCode.String")
	}
}
