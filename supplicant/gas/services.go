package gas

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Bonjour service discovery data (Wi-Fi P2P Technical Specification v1.7,
// 3.1.3 and its Bonjour annex; hostap p2p_supplicant_sd.c): a query is a DNS
// name in wire format, a DNS type (2 octets, big endian) and a version
// octet; a response is the query key followed by the record's RDATA.
const (
	BonjourVersion1 uint8  = 1
	DNSTypePTR      uint16 = 12
	DNSTypeTXT      uint16 = 16
)

// maxDNSName is the longest DNS name in wire format (RFC 1035, 2.3.4).
const maxDNSName = 255

// bonjourInMemory is the P2P SD "in-memory packet" Bonjour names are
// compressed against: a 12-octet DNS header (zeros) followed by the two
// implied questions _tcp.local. PTR IN and _udp.local. PTR IN, 27 octets.
// The Query key starts at offset 39; a pointer 0xC00C means "_tcp.local.",
// 0xC011 "local." and 0xC01B "_udp.local.".
const bonjourInMemory = "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" +
	"\x04_tcp\x05local\x00\x00\x0c\x00\x01" +
	"\x04_udp\xc0\x11\x00\x0c\x00\x01"

// BonjourQuery is the Query Data of a Bonjour Service Request TLV and the key
// at the start of a Bonjour Service Response TLV's Response Data.
type BonjourQuery struct {
	// Name is the DNS name in wire format as sent: labels ending in a zero
	// octet or in a compression pointer into the P2P SD in-memory packet.
	Name []byte
	// Type is the DNS RR type (DNSTypePTR, DNSTypeTXT, ...).
	Type uint16
	// Version is the Bonjour version octet (BonjourVersion1).
	Version uint8
}

// BonjourResponse is the Response Data of a successful Bonjour Service
// Response TLV: the query key and the record's RDATA (often a compressed
// name for PTR, text strings for TXT).
type BonjourResponse struct {
	Query BonjourQuery
	RDATA []byte
}

// dnsNameLen returns the length of the wire-format DNS name at the start of
// b: labels up to a zero octet or a two-octet compression pointer.
func dnsNameLen(b []byte) (int, error) {
	off := 0
	for {
		if off >= len(b) {
			return 0, fmt.Errorf("%w: DNS name ends without a root label or pointer", errTruncated)
		}
		if off >= maxDNSName {
			return 0, fmt.Errorf("%w: DNS name longer than %d octets", errInvalid, maxDNSName)
		}
		c := b[off]
		switch c >> 6 {
		case 0:
			if c == 0 {
				return off + 1, nil
			}
			off += 1 + int(c)
		case 3:
			if len(b)-off < 2 {
				return 0, fmt.Errorf("%w: DNS compression pointer at offset %d has 1 of 2 octets", errTruncated, off)
			}
			return off + 2, nil
		default:
			return 0, fmt.Errorf("%w: DNS label type 0x%02x at offset %d", errInvalid, c&0xc0, off)
		}
	}
}

// ParseBonjourQuery decodes Bonjour Query Data. Empty Query Data (every
// Bonjour service) is not a BonjourQuery and fails; check for it first.
func ParseBonjourQuery(b []byte) (BonjourQuery, error) {
	q, n, err := parseBonjourKey(b)
	if err != nil {
		return BonjourQuery{}, err
	}
	if n != len(b) {
		return BonjourQuery{}, fmt.Errorf("%w: %d octets after the Bonjour query", errInvalid, len(b)-n)
	}
	return q, nil
}

// ParseBonjourResponse decodes the Response Data of a successful Bonjour
// Service Response TLV.
func ParseBonjourResponse(b []byte) (BonjourResponse, error) {
	q, n, err := parseBonjourKey(b)
	if err != nil {
		return BonjourResponse{}, err
	}
	return BonjourResponse{Query: q, RDATA: sub(b, n, len(b))}, nil
}

func parseBonjourKey(b []byte) (BonjourQuery, int, error) {
	n, err := dnsNameLen(b)
	if err != nil {
		return BonjourQuery{}, 0, err
	}
	if len(b)-n < 3 {
		return BonjourQuery{}, 0, fmt.Errorf("%w: Bonjour query needs DNS type and version after the name, %d octets remain", errTruncated, len(b)-n)
	}
	q := BonjourQuery{
		Name:    sub(b, 0, n),
		Type:    uint16(b[n])<<8 | uint16(b[n+1]),
		Version: b[n+2],
	}
	return q, n + 3, nil
}

// Append appends the query key; it fails unless Name is exactly one
// wire-format DNS name.
func (q BonjourQuery) Append(b []byte) ([]byte, error) {
	n, err := dnsNameLen(q.Name)
	if err != nil {
		return b, err
	}
	if n != len(q.Name) {
		return b, fmt.Errorf("%w: %d octets after the DNS name", errInvalid, len(q.Name)-n)
	}
	b = append(b, q.Name...)
	return append(b, uint8(q.Type>>8), uint8(q.Type), q.Version), nil
}

// Append appends the Response Data (query key, then RDATA).
func (r BonjourResponse) Append(b []byte) ([]byte, error) {
	b, err := r.Query.Append(b)
	if err != nil {
		return b, err
	}
	return append(b, r.RDATA...), nil
}

// DomainName expands Name, following compression pointers into the P2P SD
// in-memory packet, to dotted text ("_ipp._tcp.local"). Dots and
// backslashes inside labels are escaped with a backslash, control octets as
// \DDD; other octets (UTF-8 instance names) are copied as they are.
func (q BonjourQuery) DomainName() (string, error) {
	key, err := q.Append(nil)
	if err != nil {
		return "", err
	}
	return expandName(append([]byte(bonjourInMemory), key...), len(bonjourInMemory))
}

// RDATAName expands RDATA as one DNS name (the target of a PTR record),
// with pointers into the in-memory packet and the query key before it.
func (r BonjourResponse) RDATAName() (string, error) {
	data, err := r.Append(nil)
	if err != nil {
		return "", err
	}
	return expandName(append([]byte(bonjourInMemory), data...), len(bonjourInMemory)+len(data)-len(r.RDATA))
}

// expandName decompresses the DNS name at msg[off:] (RFC 1035, 4.1.4). A
// pointer must point before itself and the name it jumps to must end before
// the pointer, so expansion always terminates.
func expandName(msg []byte, off int) (string, error) {
	var out []byte
	end, wire := len(msg), 0
	for {
		if off >= end {
			return "", fmt.Errorf("%w: DNS name runs past its end", errTruncated)
		}
		c := msg[off]
		switch c >> 6 {
		case 0:
			if c == 0 {
				if len(out) == 0 {
					return ".", nil
				}
				return string(out), nil
			}
			n := int(c)
			if end-off-1 < n {
				return "", fmt.Errorf("%w: DNS label of %d octets runs past its end", errTruncated, n)
			}
			if wire += 1 + n; wire >= maxDNSName {
				return "", fmt.Errorf("%w: DNS name longer than %d octets", errInvalid, maxDNSName)
			}
			if len(out) > 0 {
				out = append(out, '.')
			}
			out = appendEscapedLabel(out, msg[off+1:off+1+n])
			off += 1 + n
		case 3:
			if end-off < 2 {
				return "", fmt.Errorf("%w: DNS compression pointer has 1 of 2 octets", errTruncated)
			}
			ptr := int(c&0x3f)<<8 | int(msg[off+1])
			if ptr >= off {
				return "", fmt.Errorf("%w: DNS compression pointer %d does not point backwards", errInvalid, ptr)
			}
			end, off = off, ptr
		default:
			return "", fmt.Errorf("%w: DNS label type 0x%02x", errInvalid, c&0xc0)
		}
	}
}

func appendEscapedLabel(out, label []byte) []byte {
	for _, c := range label {
		switch {
		case c == '.' || c == '\\':
			out = append(out, '\\', c)
		case c < 0x20 || c == 0x7f:
			out = append(out, '\\', '0'+c/100, '0'+c/10%10, '0'+c%10)
		default:
			out = append(out, c)
		}
	}
	return out
}

// EncodeDNSName returns name ("_ipp._tcp.local", a trailing dot allowed) as
// an uncompressed wire-format DNS name. It does not interpret escapes;
// empty labels, labels over 63 octets and names over 255 octets fail.
func EncodeDNSName(name string) ([]byte, error) {
	name = strings.TrimSuffix(name, ".")
	if name == "" {
		return []byte{0}, nil
	}
	b := make([]byte, 0, len(name)+2)
	for label := range strings.SplitSeq(name, ".") {
		if len(label) == 0 || len(label) > 63 {
			return nil, fmt.Errorf("%w: DNS label %q must be 1 to 63 octets", errInvalid, label)
		}
		b = append(b, uint8(len(label)))
		b = append(b, label...)
	}
	b = append(b, 0)
	if len(b) > maxDNSName {
		return nil, fmt.Errorf("%w: DNS name of %d octets exceeds %d", errInvalid, len(b), maxDNSName)
	}
	return b, nil
}

// UPnPVersion1_0 is the UPnP version octet for UPnP 1.0.
const UPnPVersion1_0 uint8 = 0x10

// UPnPQuery is the Query Data of a UPnP Service Request TLV: a version octet
// and a UTF-8 search target ("ssdp:all", "upnp:rootdevice", a device or
// service type). Empty Query Data (every UPnP service) is not a UPnPQuery.
type UPnPQuery struct {
	Version      uint8
	SearchTarget string
}

// UPnPResponse is the Response Data of a successful UPnP Service Response
// TLV: a version octet and a comma-separated UTF-8 list of services
// (USNs). Services is nil when the list is empty.
type UPnPResponse struct {
	Version  uint8
	Services []string
}

// checkUPnPText requires UTF-8 without control characters.
func checkUPnPText(s string) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("%w: UPnP text is not UTF-8", errInvalid)
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return fmt.Errorf("%w: UPnP text has control character 0x%02x at %d", errInvalid, s[i], i)
		}
	}
	return nil
}

// ParseUPnPQuery decodes UPnP Query Data; it fails on empty data, invalid
// UTF-8 or control characters.
func ParseUPnPQuery(b []byte) (UPnPQuery, error) {
	if len(b) == 0 {
		return UPnPQuery{}, fmt.Errorf("%w: UPnP query has no version octet", errTruncated)
	}
	q := UPnPQuery{Version: b[0], SearchTarget: string(b[1:])}
	if err := checkUPnPText(q.SearchTarget); err != nil {
		return UPnPQuery{}, err
	}
	return q, nil
}

// Append appends the Query Data.
func (q UPnPQuery) Append(b []byte) ([]byte, error) {
	if err := checkUPnPText(q.SearchTarget); err != nil {
		return b, err
	}
	b = append(b, q.Version)
	return append(b, q.SearchTarget...), nil
}

// ParseUPnPResponse decodes UPnP Response Data; failures as in
// ParseUPnPQuery.
func ParseUPnPResponse(b []byte) (UPnPResponse, error) {
	if len(b) == 0 {
		return UPnPResponse{}, fmt.Errorf("%w: UPnP response has no version octet", errTruncated)
	}
	text := string(b[1:])
	if err := checkUPnPText(text); err != nil {
		return UPnPResponse{}, err
	}
	r := UPnPResponse{Version: b[0]}
	if text != "" {
		r.Services = strings.Split(text, ",")
	}
	return r, nil
}

// Append appends the Response Data; a service containing a comma fails.
func (r UPnPResponse) Append(b []byte) ([]byte, error) {
	for _, s := range r.Services {
		if strings.Contains(s, ",") {
			return b, fmt.Errorf("%w: UPnP service %q contains the list separator", errInvalid, s)
		}
		if err := checkUPnPText(s); err != nil {
			return b, err
		}
	}
	b = append(b, r.Version)
	return append(b, strings.Join(r.Services, ",")...), nil
}

// Requested Device Role octets of a Wi-Fi Display query, as hostap sends
// them (the WFD Device Type values of the Wi-Fi Display Technical
// Specification's WFD Device Information subelement).
const (
	WFDRoleSource        uint8 = 0
	WFDRolePrimarySink   uint8 = 1
	WFDRoleSecondarySink uint8 = 2
	WFDRoleSourceSink    uint8 = 3
)

// WFDQuery is the Query Data of a Wi-Fi Display Service Request TLV: the
// Requested Device Role octet and the list of requested WFD subelement IDs
// (one octet each).
type WFDQuery struct {
	RequestedDeviceRole uint8
	SubelementIDs       []uint8
}

// ParseWFDQuery decodes Wi-Fi Display Query Data; it fails without the role
// octet (hostap: "Missing WFD Requested Device Role").
func ParseWFDQuery(b []byte) (WFDQuery, error) {
	if len(b) == 0 {
		return WFDQuery{}, fmt.Errorf("%w: Wi-Fi Display query has no Requested Device Role", errTruncated)
	}
	return WFDQuery{RequestedDeviceRole: b[0], SubelementIDs: sub(b, 1, len(b))}, nil
}

// Append appends the Query Data.
func (q WFDQuery) Append(b []byte) []byte {
	b = append(b, q.RequestedDeviceRole)
	return append(b, q.SubelementIDs...)
}

// WFDSubelement is one WFD subelement as Wi-Fi Display Response Data carries
// them: Subelement ID (1 octet), Length (2 octets, big endian), body
// (Wi-Fi Display Technical Specification, WFD IE subelements).
type WFDSubelement struct {
	ID   uint8
	Body []byte
}

// ParseWFDSubelements decodes Wi-Fi Display Response Data.
func ParseWFDSubelements(b []byte) ([]WFDSubelement, error) {
	subs := make([]WFDSubelement, 0, len(b)/3) // each takes 3 octets or more
	for off := 0; off < len(b); {
		if len(b)-off < 3 {
			return nil, fmt.Errorf("%w: WFD subelement header at offset %d has %d of 3 octets", errTruncated, off, len(b)-off)
		}
		id, n := b[off], int(b[off+1])<<8|int(b[off+2])
		if len(b)-off-3 < n {
			return nil, fmt.Errorf("%w: WFD subelement %d at offset %d announces %d octets, %d remain", errTruncated, id, off, n, len(b)-off-3)
		}
		subs = append(subs, WFDSubelement{ID: id, Body: sub(b, off+3, off+3+n)})
		off += 3 + n
	}
	if len(subs) == 0 {
		return nil, nil
	}
	return subs, nil
}

// AppendWFDSubelements appends subelements; a body over 65535 octets fails.
func AppendWFDSubelements(b []byte, subs []WFDSubelement) ([]byte, error) {
	for _, s := range subs {
		if len(s.Body) > 0xffff {
			return b, fmt.Errorf("%w: WFD subelement %d body of %d octets exceeds 65535", errInvalid, s.ID, len(s.Body))
		}
		b = append(b, s.ID, uint8(len(s.Body)>>8), uint8(len(s.Body)))
		b = append(b, s.Body...)
	}
	return b, nil
}
