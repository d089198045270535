package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"

	"github.com/p2pmanager/p2pmanager/internal/pcap"
	"github.com/p2pmanager/p2pmanager/supplicant/eap"
	"github.com/p2pmanager/p2pmanager/supplicant/eapol"
	"github.com/p2pmanager/p2pmanager/supplicant/gas"
	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
	"github.com/p2pmanager/p2pmanager/supplicant/p2pmsg"
	"github.com/p2pmanager/p2pmanager/supplicant/wsc"
)

// The captures live in the source tree (supplicant/internal/vectors/testdata);
// the tool finds them from the working directory up to the module root.
const (
	capturesDir    = "supplicant/internal/vectors/testdata"
	defaultCapture = "go-neg-pbc.pcap"
)

func capturesPath() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		p := filepath.Join(dir, capturesDir)
		if st, err := os.Stat(p); err == nil && st.IsDir() {
			return p, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("embedded captures not found: run from the p2pmanager source tree, or name a pcap file")
		}
		dir = parent
	}
}

func captureNames() ([]string, error) {
	dir, err := capturesPath()
	if err != nil {
		return nil, err
	}
	names, err := filepath.Glob(filepath.Join(dir, "*.pcap"))
	if err != nil {
		return nil, err
	}
	for i, n := range names {
		names[i] = filepath.Base(n)
	}
	sort.Strings(names)
	return names, nil
}

// readCapture reads a pcap file, or an embedded capture by name.
func readCapture(name string) ([]byte, error) {
	if b, err := os.ReadFile(name); err == nil {
		return b, nil
	} else if strings.ContainsRune(name, os.PathSeparator) {
		return nil, err
	}
	dir, err := capturesPath()
	if err != nil {
		return nil, err
	}
	return os.ReadFile(filepath.Join(dir, filepath.Base(name)))
}

// decoder keeps what spans frames: EAP-WSC reassembly per direction.
type decoder struct {
	w           io.Writer
	all         bool
	reassembler map[[2]ieee80211.MAC]*eap.Reassembler
	lastBeacon  map[ieee80211.MAC]string // elements of the last beacon printed per BSSID
}

func decodeCapture(w io.Writer, name string, data []byte, all bool) error {
	frames, err := pcap.Parse(data)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "%s: %d frames\n", name, len(frames))
	d := &decoder{w: w, all: all, reassembler: map[[2]ieee80211.MAC]*eap.Reassembler{}, lastBeacon: map[ieee80211.MAC]string{}}
	for _, f := range frames {
		line, detail := d.frame(f.Data)
		if line == "" {
			continue
		}
		t := f.Time.Sub(frames[0].Time).Seconds()
		fmt.Fprintf(w, "#%-4d %8.3fs %4dMHz %s\n", f.Index, t, f.Freq, line)
		for _, l := range detail {
			fmt.Fprintf(w, "%27s%s\n", "", l)
		}
	}
	return nil
}

// frame returns a one-line summary and detail lines; an empty summary
// means the frame is not worth printing.
func (d *decoder) frame(b []byte) (string, []string) {
	fc, err := ieee80211.DecodeFrameControl(b)
	if err != nil {
		return d.skip("undecodable frame: %v", err)
	}
	switch fc.Type {
	case ieee80211.TypeManagement:
		return d.mgmt(b)
	case 2: // data
		if pdu, ok := eapolPayload(b); ok && len(b) >= 16 {
			var src, dst ieee80211.MAC
			copy(dst[:], b[4:10])
			copy(src[:], b[10:16])
			return d.eapol(src, dst, pdu)
		}
	}
	return d.skip("type %d subtype %d", fc.Type, fc.Subtype)
}

func (d *decoder) skip(format string, args ...any) (string, []string) {
	if !d.all {
		return "", nil
	}
	return fmt.Sprintf(format, args...), nil
}

var subtypeNames = map[uint8]string{
	ieee80211.SubtypeAssocReq: "AssocReq", ieee80211.SubtypeAssocResp: "AssocResp",
	ieee80211.SubtypeReassocReq: "ReassocReq", ieee80211.SubtypeReassocResp: "ReassocResp",
	ieee80211.SubtypeProbeReq: "ProbeReq", ieee80211.SubtypeProbeResp: "ProbeResp",
	ieee80211.SubtypeBeacon: "Beacon", ieee80211.SubtypeDisassoc: "Disassoc",
	ieee80211.SubtypeAuth: "Auth", ieee80211.SubtypeDeauth: "Deauth",
	ieee80211.SubtypeAction: "Action", ieee80211.SubtypeActionNoAck: "ActionNoAck",
}

func (d *decoder) mgmt(b []byte) (string, []string) {
	m, err := ieee80211.DecodeMgmt(b)
	if err != nil {
		return fmt.Sprintf("management frame: error: %v", err), nil
	}
	h := m.Header
	head := fmt.Sprintf("%-11s %s > %s", subtypeNames[h.FrameControl.Subtype], h.SA(), h.DA())
	body, err := m.DecodeBody()
	if err != nil {
		return head + ": error: " + err.Error(), nil
	}
	var elems ieee80211.Elements
	switch x := body.(type) {
	case ieee80211.Beacon:
		// A beacon is printed when its elements change, not every 100 TU
		// (the TIM changes with every DTIM count and is left out).
		var raw []byte
		for _, e := range x.Elements {
			if e.ID != ieee80211.ElemTIM {
				raw = append(append(raw, e.ID, uint8(len(e.Data))), e.Data...)
			}
		}
		if d.lastBeacon[h.BSSID()] == string(raw) && !d.all {
			return "", nil
		}
		d.lastBeacon[h.BSSID()] = string(raw)
		elems = x.Elements
	case ieee80211.ProbeResp:
		elems = x.Elements
	case ieee80211.ProbeReq:
		elems = x.Elements
	case ieee80211.AssocReq:
		elems = x.Elements
	case ieee80211.ReassocReq:
		elems = x.Elements
	case ieee80211.AssocResp:
		head += fmt.Sprintf(" status %d aid %d", x.StatusCode, x.AID&0x3fff)
		elems = x.Elements
	case ieee80211.Auth:
		head += fmt.Sprintf(" algorithm %d seq %d status %d", x.Algorithm, x.TransactionSeq, x.StatusCode)
		return head, nil
	case ieee80211.Deauth:
		return head + fmt.Sprintf(" reason %d", x.ReasonCode), nil
	case ieee80211.Disassoc:
		return head + fmt.Sprintf(" reason %d", x.ReasonCode), nil
	case ieee80211.Action:
		return d.action(head, m.Body)
	default:
		return d.skip("%s", head)
	}
	var detail []string
	if e, ok := find(elems, ieee80211.ElemSSID); ok {
		head += fmt.Sprintf(" SSID %q", e.Data)
	}
	p2p, hasP2P, err := p2pmsg.ParseIE(elems)
	if err != nil {
		detail = append(detail, "P2P IE: error: "+err.Error())
	} else if hasP2P {
		detail = append(detail, "P2P IE: "+attributes(p2p))
	}
	if payload, ok := wsc.IEPayload(elems); ok {
		detail = append(detail, "WSC IE: "+wscAttributes(payload))
	}
	if wfd, ok, err := p2pmsg.ParseWFDIE(elems); err != nil {
		detail = append(detail, "WFD IE: error: "+err.Error())
	} else if ok {
		detail = append(detail, "WFD IE: "+strings.Join(present(wfd), " "))
	}
	if e, ok := find(elems, ieee80211.ElemRSN); ok {
		if rsn, err := ieee80211.DecodeRSN(e.Data); err == nil {
			detail = append(detail, fmt.Sprintf("RSN: group %v pairwise %v AKM %v", rsn.GroupDataCipher, rsn.PairwiseCiphers, rsn.AKMs))
		}
	}
	if len(detail) == 0 && !d.all {
		return "", nil
	}
	return head, detail
}

func find(elems ieee80211.Elements, id uint8) (ieee80211.Element, bool) {
	for _, e := range elems {
		if e.ID == id {
			return e, true
		}
	}
	return ieee80211.Element{}, false
}

func (d *decoder) action(head string, body []byte) (string, []string) {
	if pa, err := p2pmsg.ParsePublicAction(body); err == nil {
		head += fmt.Sprintf(" P2P %v dialog %d", pa.Subtype, pa.DialogToken)
		var detail []string
		if err := p2pmsg.ValidatePublicAction(pa); err != nil {
			detail = append(detail, "invalid: "+err.Error())
		}
		if pa.P2P != nil {
			detail = append(detail, "P2P IE: "+attributes(pa.P2P))
		}
		if payload, ok := wsc.IEPayload(pa.Elements); ok {
			detail = append(detail, "WSC IE: "+wscAttributes(payload))
		}
		return head, detail
	} else if !errors.Is(err, p2pmsg.ErrNotP2P) {
		return head + " P2P public action: error: " + err.Error(), nil
	}
	if a, err := p2pmsg.ParseAction(body); err == nil {
		head += fmt.Sprintf(" P2P %v dialog %d", a.Subtype, a.DialogToken)
		if a.P2P != nil {
			return head, []string{"P2P IE: " + attributes(a.P2P)}
		}
		return head, nil
	}
	if gas.IsGAS(body) {
		g, err := gas.DecodeGAS(body)
		if err != nil {
			return head + " GAS: error: " + err.Error(), nil
		}
		summary, detail := gasSummary(g)
		return head + " " + summary, detail
	}
	return d.skip("%s category %d", head, body[0])
}

// attributes prints the P2P attributes that are present.
func attributes(a *p2pmsg.Attributes) string {
	parts := present(a)
	for _, u := range a.Unknown {
		parts = append(parts, fmt.Sprintf("attr%d=%x", u.ID, u.Data))
	}
	return strings.Join(parts, " ")
}

// present lists the non-nil pointer fields of a decoded struct as
// Name=value, so that optional attributes and subelements print by name.
func present(x any) []string {
	v := reflect.ValueOf(x)
	if v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	var parts []string
	for i := range v.NumField() {
		f := v.Field(i)
		if f.Kind() != reflect.Pointer || f.IsNil() {
			continue
		}
		val := f.Interface()
		if _, ok := val.(fmt.Stringer); !ok {
			val = f.Elem().Interface()
		}
		parts = append(parts, fmt.Sprintf("%s=%+v", v.Type().Field(i).Name, val))
	}
	return parts
}

func wscAttributes(payload []byte) string {
	attrs, err := wsc.ParseAttributes(payload)
	if err != nil {
		return "error: " + err.Error()
	}
	var parts []string
	for _, a := range attrs {
		parts = append(parts, fmt.Sprintf("%v=%s", a.Type, printable(a.Value)))
	}
	return strings.Join(parts, " ")
}

// printable shows text attributes as quoted strings, others as hex.
func printable(b []byte) string {
	text := len(b) > 0
	for _, c := range b {
		if c < 0x20 || c > 0x7e {
			text = false
			break
		}
	}
	if text {
		return fmt.Sprintf("%q", b)
	}
	return fmt.Sprintf("%x", b)
}

func (d *decoder) eapol(src, dst ieee80211.MAC, b []byte) (string, []string) {
	head := fmt.Sprintf("%-11s %s > %s", "EAPOL", src, dst)
	pdu, err := eapol.DecodePDU(b)
	if err != nil {
		return head + ": error: " + err.Error(), nil
	}
	switch pdu.Type {
	case eapol.PacketKey:
		_, k, err := eapol.DecodeKeyFrame(b, eapol.DefaultMICLen)
		if err != nil {
			return head + " Key: error: " + err.Error(), nil
		}
		return head + fmt.Sprintf(" Key %v replay %d", k.Message(), k.ReplayCounter), []string{"Key Information: " + k.KeyInfo.String()}
	case eapol.PacketEAP:
		p, err := eap.Decode(pdu.Body)
		if err != nil {
			return head + " EAP: error: " + err.Error(), nil
		}
		head += fmt.Sprintf(" EAP %v id %d", p.Code, p.Identifier)
		if !p.IsWSC() {
			if len(p.Data) > 0 {
				head += fmt.Sprintf(" type %v %s", p.Type, printable(p.Data))
			}
			return head, nil
		}
		f, err := p.WSC()
		if err != nil {
			return head + " WSC: error: " + err.Error(), nil
		}
		head += fmt.Sprintf(" %v", f.OpCode)
		key := [2]ieee80211.MAC{src, dst}
		r := d.reassembler[key]
		if r == nil {
			r = &eap.Reassembler{}
			d.reassembler[key] = r
		}
		if f.OpCode != eap.OpMsg && f.OpCode != eap.OpNACK && f.OpCode != eap.OpDone {
			return head, nil
		}
		_, msg, done, err := r.Add(f)
		switch {
		case err != nil:
			return head + " reassembly: error: " + err.Error(), nil
		case !done:
			return head + " (fragment)", nil
		}
		m, err := wsc.DecodeMessage(msg)
		if err != nil {
			return head + " WSC: error: " + err.Error(), nil
		}
		return head + fmt.Sprintf(" %v", m.MessageType()), []string{wscAttributes(msg)}
	}
	return head + fmt.Sprintf(" %v", pdu.Type), nil
}

// eapolPayload returns the EAPOL PDU of an unprotected 802.11 data frame
// with an LLC/SNAP header of EtherType 0x888e.
func eapolPayload(b []byte) ([]byte, bool) {
	fc, err := ieee80211.DecodeFrameControl(b)
	if err != nil || fc.Type != 2 || fc.Protected {
		return nil, false
	}
	hdr := 24
	if fc.ToDS && fc.FromDS {
		hdr += 6
	}
	if fc.Subtype&0x8 != 0 { // QoS data
		hdr += 2
	}
	snap := "\xaa\xaa\x03\x00\x00\x00\x88\x8e"
	if len(b) < hdr+len(snap) || string(b[hdr:hdr+len(snap)]) != snap {
		return nil, false
	}
	return b[hdr+len(snap):], true
}

// gasSummary names a GAS frame and the P2P service discovery TLVs it
// carries (whole responses; fragments are shown by number).
func gasSummary(g gas.Frame) (string, []string) {
	var detail []string
	switch f := g.(type) {
	case *gas.InitialRequest:
		if sd, err := gas.SDRequestOf(f); err == nil {
			for _, t := range sd.TLVs {
				detail = append(detail, fmt.Sprintf("query %v transaction %d %s", t.ServiceProtocolType, t.ServiceTransactionID, printable(t.QueryData)))
			}
		}
		return fmt.Sprintf("GAS Initial Request dialog %d", f.DialogToken), detail
	case *gas.InitialResponse:
		if sd, err := gas.SDResponseOf(f); err == nil && f.ComebackDelay == 0 {
			detail = sdResponse(sd)
		}
		return fmt.Sprintf("GAS Initial Response dialog %d status %d comeback delay %d, %d octets", f.DialogToken, f.StatusCode, f.ComebackDelay, len(f.Response)), detail
	case *gas.ComebackRequest:
		return fmt.Sprintf("GAS Comeback Request dialog %d", f.DialogToken), nil
	case *gas.ComebackResponse:
		return fmt.Sprintf("GAS Comeback Response dialog %d fragment %d more %v, %d octets", f.DialogToken, f.FragmentID, f.MoreFragments, len(f.Response)), nil
	}
	return fmt.Sprintf("GAS %T", g), nil
}

func sdResponse(sd gas.SDResponse) []string {
	var detail []string
	for _, t := range sd.TLVs {
		detail = append(detail, fmt.Sprintf("response %v transaction %d status %v, %d octets", t.ServiceProtocolType, t.ServiceTransactionID, t.StatusCode, len(t.ResponseData)))
	}
	return detail
}
