package gas

import (
	"fmt"

	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
)

// OUITypeP2P is the OUI type after the Wi-Fi Alliance OUI (50:6F:9A) that
// marks an ANQP vendor-specific element as P2P service discovery
// (Wi-Fi P2P Technical Specification v1.7, 4.2.10); it is the same value
// as the P2P IE's.
const OUITypeP2P = ieee80211.VendorTypeP2P

// sdHeaderLen is OUI (3), OUI type (1) and Service Update Indicator (2).
const sdHeaderLen = 6

// ServiceProtocolType identifies the service discovery protocol of a Service
// TLV (Wi-Fi P2P Technical Specification v1.7, 4.2.10).
type ServiceProtocolType uint8

// Service Protocol Types.
const (
	ServiceProtocolAll            ServiceProtocolType = 0
	ServiceProtocolBonjour        ServiceProtocolType = 1
	ServiceProtocolUPnP           ServiceProtocolType = 2
	ServiceProtocolWSDiscovery    ServiceProtocolType = 3
	ServiceProtocolWiFiDisplay    ServiceProtocolType = 4
	ServiceProtocolP2PS           ServiceProtocolType = 0x0b
	ServiceProtocolVendorSpecific ServiceProtocolType = 0xff
)

// String names the protocol type.
func (t ServiceProtocolType) String() string {
	switch t {
	case ServiceProtocolAll:
		return "All Service Protocol Types"
	case ServiceProtocolBonjour:
		return "Bonjour"
	case ServiceProtocolUPnP:
		return "UPnP"
	case ServiceProtocolWSDiscovery:
		return "WS-Discovery"
	case ServiceProtocolWiFiDisplay:
		return "Wi-Fi Display"
	case ServiceProtocolP2PS:
		return "P2PS"
	case ServiceProtocolVendorSpecific:
		return "Vendor specific"
	}
	return fmt.Sprintf("reserved (%d)", uint8(t))
}

// SDStatusCode is the Status Code of a Service Response TLV
// (Wi-Fi P2P Technical Specification v1.7, 4.2.10).
type SDStatusCode uint8

// Service discovery Status Codes.
const (
	SDStatusSuccess                         SDStatusCode = 0
	SDStatusServiceProtocolTypeNotAvailable SDStatusCode = 1
	SDStatusQueryDataNotAvailable           SDStatusCode = 2
	SDStatusBadRequest                      SDStatusCode = 3
)

// String names the status code.
func (s SDStatusCode) String() string {
	switch s {
	case SDStatusSuccess:
		return "Success"
	case SDStatusServiceProtocolTypeNotAvailable:
		return "Service Protocol Type not available"
	case SDStatusQueryDataNotAvailable:
		return "Query Data not available"
	case SDStatusBadRequest:
		return "Bad Request"
	}
	return fmt.Sprintf("reserved (%d)", uint8(s))
}

// ServiceRequestTLV is one Service Request TLV (Wi-Fi P2P Technical
// Specification v1.7, 4.2.10): Length (2 octets, little endian, covering
// the rest of the TLV), Service Protocol Type, Service Transaction ID and
// Query Data. Empty Query Data asks for every service of the protocol.
type ServiceRequestTLV struct {
	ServiceProtocolType  ServiceProtocolType
	ServiceTransactionID uint8
	QueryData            []byte
}

// ServiceResponseTLV is one Service Response TLV (Wi-Fi P2P Technical
// Specification v1.7, 4.2.10): Length, Service Protocol Type, Service
// Transaction ID, Status Code and Response Data.
type ServiceResponseTLV struct {
	ServiceProtocolType  ServiceProtocolType
	ServiceTransactionID uint8
	StatusCode           SDStatusCode
	ResponseData         []byte
}

// Largest Query Data and Response Data a TLV's two-octet Length can cover.
const (
	MaxQueryData    = 0xffff - 2
	MaxResponseData = 0xffff - 3
)

// parseTLVs walks Length-prefixed TLVs whose Length must be at least min.
func parseTLVs(b []byte, min int, what string, each func(body []byte)) error {
	c := cursor{b: b}
	for c.remaining() > 0 {
		start := c.off
		n, err := c.le16(what + " Length")
		if err != nil {
			return err
		}
		if int(n) < min {
			return fmt.Errorf("%w: %s at offset %d has Length %d, below the minimum %d", errInvalid, what, start, n, min)
		}
		body, err := c.bytes(int(n), what)
		if err != nil {
			return fmt.Errorf("%s at offset %d: %w", what, start, err)
		}
		each(body)
	}
	return nil
}

// ParseServiceRequestTLVs decodes a list of Service Request TLVs. A Length
// below 2, a Length past the input or a partial Length field fails.
func ParseServiceRequestTLVs(b []byte) ([]ServiceRequestTLV, error) {
	tlvs := make([]ServiceRequestTLV, 0, len(b)/4) // each TLV takes 4 octets or more
	err := parseTLVs(b, 2, "Service Request TLV", func(body []byte) {
		tlvs = append(tlvs, ServiceRequestTLV{
			ServiceProtocolType:  ServiceProtocolType(body[0]),
			ServiceTransactionID: body[1],
			QueryData:            sub(body, 2, len(body)),
		})
	})
	if err != nil || len(tlvs) == 0 {
		return nil, err
	}
	return tlvs, nil
}

// ParseServiceResponseTLVs decodes a list of Service Response TLVs. A Length
// below 3, a Length past the input or a partial Length field fails.
func ParseServiceResponseTLVs(b []byte) ([]ServiceResponseTLV, error) {
	tlvs := make([]ServiceResponseTLV, 0, len(b)/5) // each TLV takes 5 octets or more
	err := parseTLVs(b, 3, "Service Response TLV", func(body []byte) {
		tlvs = append(tlvs, ServiceResponseTLV{
			ServiceProtocolType:  ServiceProtocolType(body[0]),
			ServiceTransactionID: body[1],
			StatusCode:           SDStatusCode(body[2]),
			ResponseData:         sub(body, 3, len(body)),
		})
	})
	if err != nil || len(tlvs) == 0 {
		return nil, err
	}
	return tlvs, nil
}

// Append appends the TLV; it fails when Query Data exceeds MaxQueryData.
func (t ServiceRequestTLV) Append(b []byte) ([]byte, error) {
	if len(t.QueryData) > MaxQueryData {
		return b, fmt.Errorf("%w: Query Data of %d octets exceeds %d", errInvalid, len(t.QueryData), MaxQueryData)
	}
	b = appendLE16(b, uint16(2+len(t.QueryData)))
	b = append(b, uint8(t.ServiceProtocolType), t.ServiceTransactionID)
	return append(b, t.QueryData...), nil
}

// Append appends the TLV; it fails when Response Data exceeds MaxResponseData.
func (t ServiceResponseTLV) Append(b []byte) ([]byte, error) {
	if len(t.ResponseData) > MaxResponseData {
		return b, fmt.Errorf("%w: Response Data of %d octets exceeds %d", errInvalid, len(t.ResponseData), MaxResponseData)
	}
	b = appendLE16(b, uint16(3+len(t.ResponseData)))
	b = append(b, uint8(t.ServiceProtocolType), t.ServiceTransactionID, uint8(t.StatusCode))
	return append(b, t.ResponseData...), nil
}

// AppendServiceRequestTLVs appends TLVs in order.
func AppendServiceRequestTLVs(b []byte, tlvs []ServiceRequestTLV) ([]byte, error) {
	var err error
	for _, t := range tlvs {
		if b, err = t.Append(b); err != nil {
			return b, err
		}
	}
	return b, nil
}

// AppendServiceResponseTLVs appends TLVs in order.
func AppendServiceResponseTLVs(b []byte, tlvs []ServiceResponseTLV) ([]byte, error) {
	var err error
	for _, t := range tlvs {
		if b, err = t.Append(b); err != nil {
			return b, err
		}
	}
	return b, nil
}

// SDRequest is the P2P service discovery content of a GAS Initial Request's
// Query Request field: one ANQP vendor-specific element (Info ID 0xDDDD) with
// OUI 50:6F:9A, OUI type 9, the Service Update Indicator (2 octets, little
// endian) and Service Request TLVs (Wi-Fi P2P Technical Specification v1.7,
// 4.2.10).
type SDRequest struct {
	ServiceUpdateIndicator uint16
	TLVs                   []ServiceRequestTLV
	// Detached records the layout hostap's protocol test sends as its
	// "minimal GAS Initial Request" (test_p2p_msg_sd) and hostap answers:
	// the ANQP element's Length is 4 (OUI and OUI type only) and the
	// Service Update Indicator and TLVs follow outside it. Decoding accepts
	// that layout so we answer it too; encoding reproduces it when set.
	Detached bool
}

// SDResponse is the P2P service discovery content of a (reassembled) Query
// Response field: the same ANQP vendor-specific element as SDRequest, with
// Service Response TLVs (Wi-Fi P2P Technical Specification v1.7, 4.2.10).
type SDResponse struct {
	ServiceUpdateIndicator uint16
	TLVs                   []ServiceResponseTLV
	// Detached: see SDRequest.Detached.
	Detached bool
}

// parseSD finds the P2P service discovery payload in a Query field and
// returns the Service Update Indicator and the TLV octets.
func parseSD(q []byte) (sui uint16, tlvs []byte, detached bool, err error) {
	if len(q) == 0 {
		return 0, nil, false, fmt.Errorf("%w: empty query has no ANQP element", errTruncated)
	}
	// hostap's detached layout: an ANQP vendor element of Length 4, then the
	// Service Update Indicator and TLVs outside it.
	if len(q) > 8 && le16(q) == InfoIDVendorSpecific && le16(q[2:]) == 4 {
		body := q[4:]
		if err := checkP2PVendor(body); err != nil {
			return 0, nil, false, err
		}
		if len(body) < sdHeaderLen {
			return 0, nil, false, fmt.Errorf("%w: Service Update Indicator has %d of 2 octets", errTruncated, len(body)-4)
		}
		return le16(body[4:]), sub(body, sdHeaderLen, len(body)), true, nil
	}
	elems, err := ParseANQPElements(q)
	if err != nil {
		return 0, nil, false, err
	}
	e := elems[0]
	if e.InfoID != InfoIDVendorSpecific {
		return 0, nil, false, fmt.Errorf("%w: ANQP Info ID %d, P2P service discovery uses %d", ErrUnsupported, e.InfoID, InfoIDVendorSpecific)
	}
	if err := checkP2PVendor(e.Data); err != nil {
		return 0, nil, false, err
	}
	if len(e.Data) < sdHeaderLen {
		return 0, nil, false, fmt.Errorf("%w: no Service Update Indicator (ANQP vendor element of %d octets)", errTruncated, len(e.Data))
	}
	if len(elems) > 1 {
		return 0, nil, false, fmt.Errorf("%w: %d ANQP elements after the P2P service discovery element", errInvalid, len(elems)-1)
	}
	return le16(e.Data[4:]), sub(e.Data, sdHeaderLen, len(e.Data)), false, nil
}

// checkP2PVendor checks the OUI and OUI type at the start of an ANQP
// vendor-specific element body.
func checkP2PVendor(body []byte) error {
	if len(body) < 4 {
		return fmt.Errorf("%w: ANQP vendor element of %d octets has no OUI and OUI type", errTruncated, len(body))
	}
	oui := ieee80211.OUI{body[0], body[1], body[2]}
	if oui != ieee80211.OUIWFA || body[3] != OUITypeP2P {
		return fmt.Errorf("%w: ANQP vendor element %02x:%02x:%02x type %d is not P2P service discovery", ErrUnsupported, body[0], body[1], body[2], body[3])
	}
	return nil
}

// appendSD appends the ANQP vendor element around already encoded TLVs.
func appendSD(b []byte, sui uint16, detached bool, tlvs []byte) ([]byte, error) {
	n := sdHeaderLen + len(tlvs)
	if n > MaxANQPElementData {
		return b, fmt.Errorf("%w: P2P service discovery element of %d octets exceeds %d", ErrTooLarge, n, MaxANQPElementData)
	}
	b = appendLE16(b, InfoIDVendorSpecific)
	if detached {
		b = appendLE16(b, 4)
	} else {
		b = appendLE16(b, uint16(n))
	}
	b = append(b, ieee80211.OUIWFA[0], ieee80211.OUIWFA[1], ieee80211.OUIWFA[2], OUITypeP2P)
	b = appendLE16(b, sui)
	return append(b, tlvs...), nil
}

// ParseSDRequest decodes the Query Request field of a GAS Initial Request
// as P2P service discovery. It fails with ErrUnsupported for another ANQP
// Info ID or vendor type, and with ErrTruncated when the element or the
// Service Update Indicator is missing.
func ParseSDRequest(query []byte) (SDRequest, error) {
	sui, raw, detached, err := parseSD(query)
	if err != nil {
		return SDRequest{}, err
	}
	tlvs, err := ParseServiceRequestTLVs(raw)
	if err != nil {
		return SDRequest{}, err
	}
	return SDRequest{ServiceUpdateIndicator: sui, TLVs: tlvs, Detached: detached}, nil
}

// ParseSDResponse decodes a complete Query Response field (after
// reassembly) as P2P service discovery; failures as in ParseSDRequest.
func ParseSDResponse(resp []byte) (SDResponse, error) {
	sui, raw, detached, err := parseSD(resp)
	if err != nil {
		return SDResponse{}, err
	}
	tlvs, err := ParseServiceResponseTLVs(raw)
	if err != nil {
		return SDResponse{}, err
	}
	return SDResponse{ServiceUpdateIndicator: sui, TLVs: tlvs, Detached: detached}, nil
}

// AppendQuery appends the Query Request field (the ANQP element).
func (r SDRequest) AppendQuery(b []byte) ([]byte, error) {
	tlvs, err := AppendServiceRequestTLVs(nil, r.TLVs)
	if err != nil {
		return b, err
	}
	return appendSD(b, r.ServiceUpdateIndicator, r.Detached, tlvs)
}

// AppendQueryResponse appends the Query Response field (the ANQP element),
// which SplitResponse fragments when it is long.
func (r SDResponse) AppendQueryResponse(b []byte) ([]byte, error) {
	tlvs, err := AppendServiceResponseTLVs(nil, r.TLVs)
	if err != nil {
		return b, err
	}
	return appendSD(b, r.ServiceUpdateIndicator, r.Detached, tlvs)
}

// InitialRequest builds the GAS Initial Request that carries this service
// discovery request, with hostap's ANQP Advertisement Protocol element.
func (r SDRequest) InitialRequest(dialogToken uint8) (*InitialRequest, error) {
	q, err := r.AppendQuery(nil)
	if err != nil {
		return nil, err
	}
	return &InitialRequest{
		DialogToken:           dialogToken,
		AdvertisementProtocol: ANQPAdvertisementProtocol(QueryResponseInfoRequest),
		Query:                 q,
	}, nil
}

// SDRequestOf decodes the service discovery request of a GAS Initial
// Request; it fails with ErrUnsupported unless the Advertisement Protocol is
// ANQP.
func SDRequestOf(f *InitialRequest) (SDRequest, error) {
	if err := checkANQP(f.AdvertisementProtocol); err != nil {
		return SDRequest{}, err
	}
	return ParseSDRequest(f.Query)
}

// SDResponseOf decodes the service discovery response of a GAS Initial
// Response that carries the whole Query Response (Comeback Delay 0); for a
// fragmented response use a Reassembler and ParseSDResponse.
func SDResponseOf(f *InitialResponse) (SDResponse, error) {
	if f.StatusCode != StatusSuccess {
		return SDResponse{}, fmt.Errorf("%w: Status Code %d", ErrStatus, f.StatusCode)
	}
	if f.ComebackDelay != 0 {
		return SDResponse{}, fmt.Errorf("%w: GAS Comeback Delay %d: the response follows in Comeback Responses", errInvalid, f.ComebackDelay)
	}
	if err := checkANQP(f.AdvertisementProtocol); err != nil {
		return SDResponse{}, err
	}
	return ParseSDResponse(f.Response)
}

// checkANQP requires the first Advertisement Protocol tuple to name ANQP.
func checkANQP(a AdvertisementProtocol) error {
	switch {
	case len(a) == 0:
		return fmt.Errorf("%w: no Advertisement Protocol tuple", errInvalid)
	case a[0].ID != AdvertisementProtocolANQP:
		return fmt.Errorf("%w: Advertisement Protocol ID %d, P2P service discovery uses ANQP (0)", ErrUnsupported, a[0].ID)
	}
	return nil
}
