package group

import (
	"encoding/binary"

	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
	"github.com/p2pmanager/p2pmanager/supplicant/p2pmsg"
	"github.com/p2pmanager/p2pmanager/supplicant/wsc"
)

// Frame building and parsing for the group's management frames
// (IEEE Std 802.11-2020, 9.3.3) and the elements a P2P group carries.

// Fixed field sizes.
const (
	timestampLen = 8
	beaconFixed  = 12 // Timestamp, Beacon Interval, Capability Information
)

// capabilityGO is the Capability Information of a P2P GO: ESS, Privacy
// (RSN), Short Slot Time.
const capabilityGO = ieee80211.CapESS | ieee80211.CapPrivacy | ieee80211.CapShortSlotTime

// ofdmRates are the Supported Rates of a P2P group: OFDM only (Wi-Fi P2P
// Technical Specification v1.7, 2.4.1: no 11b rates), 6, 12 and 24 Mb/s
// basic.
var ofdmRates = []ieee80211.Rate{0x8c, 0x12, 0x98, 0x24, 0xb0, 0x48, 0x60, 0x6c}

// channelNumber is the IEEE channel number of a 2.4 or 5 GHz frequency.
func channelNumber(freq int) int {
	switch {
	case freq == 2484:
		return 14
	case freq >= 2412 && freq < 2484:
		return (freq - 2407) / 5
	case freq >= 5000 && freq < 5925:
		return (freq - 5000) / 5
	case freq > 5950 && freq < 7125:
		return (freq - 5950) / 5
	}
	return 0
}

func is24GHz(freq int) bool { return freq < 3000 }

func rfBand(freq int) wsc.RFBands {
	if is24GHz(freq) {
		return wsc.RFBand24GHz
	}
	return wsc.RFBand5GHz
}

// header returns a management frame header with a zero Duration and
// sequence number (the radio numbers frames).
func header(subtype uint8, da, sa, bssid MAC) []byte {
	h := ieee80211.Header{
		FrameControl: ieee80211.FrameControl{Type: ieee80211.TypeManagement, Subtype: subtype},
		Addr1:        da, Addr2: sa, Addr3: bssid,
	}
	return h.Append(nil)
}

// appendBSSCommon appends the elements every Beacon and Probe Response of
// the group starts with: SSID, Supported Rates, DS Parameter Set (2.4 GHz).
func appendBSSCommon(b, ssid []byte, freq int) []byte {
	b, _ = ieee80211.AppendSSID(b, ssid) // ssid is at most 32 octets (checked at configuration)
	b, _ = ieee80211.AppendSupportedRates(b, ofdmRates)
	if is24GHz(freq) {
		b = ieee80211.AppendDSParameterSet(b, uint8(channelNumber(freq)))
	}
	return b
}

// appendFixed appends the fixed fields of a Beacon or Probe Response with
// a zero Timestamp (the radio sets it).
func appendFixed(b []byte, interval uint16, capab ieee80211.CapabilityInfo) []byte {
	b = append(b, make([]byte, timestampLen)...)
	b = binary.LittleEndian.AppendUint16(b, interval)
	return binary.LittleEndian.AppendUint16(b, uint16(capab))
}

// rsnBody is the body of the RSN element of a P2P group: CCMP group and
// pairwise cipher, PSK, with capabilities caps (IEEE Std 802.11-2020,
// 9.4.2.24).
func rsnBody(caps ieee80211.RSNCapabilities) []byte {
	e, _ := ieee80211.AppendRSN(nil, ieee80211.RSN{
		Version:         ieee80211.RSNVersion,
		GroupDataCipher: ieee80211.CipherCCMP128,
		PairwiseCiphers: []ieee80211.Suite{ieee80211.CipherCCMP128},
		AKMs:            []ieee80211.Suite{ieee80211.AKMPSK},
		Capabilities:    caps,
		Fields:          ieee80211.RSNThroughCapabilities,
	})
	return e[2:]
}

// The RSNE bodies we send: a GO announces 16 PTKSA replay counters, as
// wpa_supplicant's GO does; a client none.
var (
	goRSNE     = rsnBody(0x000c)
	clientRSNE = rsnBody(0)
)

func appendRSNE(b, body []byte) []byte {
	b = append(b, ieee80211.ElemRSN, byte(len(body)))
	return append(b, body...)
}

// checkRSN checks the RSN element of an association request against the
// group's: version 1, CCMP group cipher, exactly CCMP as pairwise cipher,
// PSK as AKM. It returns the status code to refuse with, or 0.
func checkRSN(body []byte) uint16 {
	r, err := ieee80211.DecodeRSN(body)
	switch {
	case err != nil || r.Fields < ieee80211.RSNThroughAKMs:
		return ieee80211.StatusInvalidElement
	case r.GroupDataCipher != ieee80211.CipherCCMP128:
		return ieee80211.StatusInvalidGroupCipher
	case len(r.PairwiseCiphers) != 1 || r.PairwiseCiphers[0] != ieee80211.CipherCCMP128:
		return ieee80211.StatusInvalidPairwiseCipher
	case len(r.AKMs) != 1 || r.AKMs[0] != ieee80211.AKMPSK:
		return ieee80211.StatusInvalidAKMP
	case r.Capabilities&ieee80211.RSNCapMFPR != 0:
		return ieee80211.StatusInvalidElement // we offer no management frame protection
	}
	return 0
}

// appendP2PIE appends attrs as a P2P IE.
func appendP2PIE(b []byte, attrs *p2pmsg.Attributes) []byte {
	out, err := p2pmsg.AppendIE(b, attrs)
	if err != nil {
		return b
	}
	return out
}

// wfaExtension is the WFA Vendor Extension with Version2 and, when set,
// AuthorizedMACs.
func wfaExtension(authorized []MAC) []wsc.VendorExtension {
	w := wsc.WFAExtension{Version2: wsc.Version2, AuthorizedMACs: authorized}
	v, err := w.VendorExtension()
	if err != nil {
		return nil
	}
	return []wsc.VendorExtension{v}
}

// registrarState is what the WSC IEs of a GO announce about its Registrar.
type registrarState struct {
	open       bool
	passwordID wsc.DevicePasswordID
	methods    wsc.ConfigMethods
	authorized []MAC
}

// appendWSCBeacon appends the WSC IE of a GO's Beacon (WSC 2.0.x, 8.2,
// "Beacon"; hostap adds Device Name and Primary Device Type for P2P).
func appendWSCBeacon(b []byte, d Device, band wsc.RFBands, reg registrarState) []byte {
	name := d.Name
	pdt := wsc.DeviceType(d.PrimaryDeviceType)
	uuid := d.UUID
	m := &wsc.Beacon{
		WPSState:          wsc.WPSStateConfigured,
		UUIDE:             &uuid,
		RFBands:           &band,
		DeviceName:        &name,
		PrimaryDeviceType: &pdt,
	}
	if reg.open {
		t := true
		id, methods := reg.passwordID, reg.methods
		m.SelectedRegistrar, m.DevicePasswordID, m.SelectedRegistrarConfigMethods = &t, &id, &methods
	}
	m.VendorExtensions = wfaExtension(authorizedIf(reg))
	out, err := wsc.AppendIE(b, m)
	if err != nil {
		return b
	}
	return out
}

func authorizedIf(reg registrarState) []MAC {
	if !reg.open {
		return nil
	}
	if len(reg.authorized) == 0 {
		return []MAC{ieee80211.Broadcast}
	}
	return reg.authorized
}

// appendWSCProbeResp appends the WSC IE of a GO's Probe Response (WSC
// 2.0.x, 8.2, "Probe Response").
func appendWSCProbeResp(b []byte, d Device, band wsc.RFBands, reg registrarState) []byte {
	m := &wsc.ProbeResponse{
		WPSState:          wsc.WPSStateConfigured,
		ResponseType:      wsc.ResponseAP,
		UUIDE:             d.UUID,
		Manufacturer:      orSpace(d.Manufacturer),
		ModelName:         orSpace(d.ModelName),
		ModelNumber:       orSpace(d.ModelNumber),
		SerialNumber:      orSpace(d.SerialNumber),
		PrimaryDeviceType: wsc.DeviceType(d.PrimaryDeviceType),
		DeviceName:        orSpace(d.Name),
		ConfigMethods:     wsc.ConfigMethods(d.ConfigMethods),
		RFBands:           &band,
	}
	if reg.open {
		t := true
		id, methods := reg.passwordID, reg.methods
		m.SelectedRegistrar, m.DevicePasswordID, m.SelectedRegistrarConfigMethods = &t, &id, &methods
	}
	m.VendorExtensions = wfaExtension(authorizedIf(reg))
	out, err := wsc.AppendIE(b, m)
	if err != nil {
		return b
	}
	return out
}

// orSpace sends an empty WSC string as one space, as hostap does.
func orSpace(s string) string {
	if s == "" {
		return " "
	}
	return s
}

// appendWSCProbeReq appends the WSC IE of a client's Probe Request (WSC
// 2.0.x, 8.2, "Probe Request"): an Enrollee with its Device Password ID.
func appendWSCProbeReq(b []byte, d Device, band wsc.RFBands, id wsc.DevicePasswordID) []byte {
	name := orSpace(d.Name)
	m := &wsc.ProbeRequest{
		RequestType:       wsc.RequestEnrollee,
		ConfigMethods:     wsc.ConfigMethods(d.ConfigMethods),
		UUIDE:             d.UUID,
		PrimaryDeviceType: wsc.DeviceType(d.PrimaryDeviceType),
		RFBands:           band,
		AssociationState:  wsc.AssocNotAssociated,
		DevicePasswordID:  id,
		DeviceName:        &name,
		VendorExtensions:  wfaExtension(nil),
	}
	out, err := wsc.AppendIE(b, m)
	if err != nil {
		return b
	}
	return out
}

// appendWSCAssocReq appends the WSC IE of a WPS (Re)Association Request
// (WSC 2.0.x, 8.2, "Association Request"): Version, Request Type Enrollee,
// the Device Password ID of our method (which hostap's
// wps_build_assoc_req_ie leaves out; receivers skip attributes they do not
// expect) and the WFA Vendor Extension with Version2.
func appendWSCAssocReq(b []byte, id wsc.DevicePasswordID) []byte {
	attrs := []wsc.Attribute{
		{Type: wsc.AttrVersion, Value: []byte{wsc.Version}},
		{Type: wsc.AttrRequestType, Value: []byte{byte(wsc.RequestEnrollee)}},
		{Type: wsc.AttrDevicePasswordID, Value: []byte{byte(id >> 8), byte(id)}},
	}
	for _, v := range wfaExtension(nil) {
		attrs = append(attrs, wsc.Attribute{Type: wsc.AttrVendorExtension,
			Value: append([]byte{byte(v.VendorID >> 16), byte(v.VendorID >> 8), byte(v.VendorID)}, v.Data...)})
	}
	payload, err := wsc.AppendAttributes(nil, attrs)
	if err != nil {
		return b
	}
	return ieee80211.AppendVendor(b, ieee80211.OUIMicrosoft, ieee80211.VendorTypeWSC, payload)
}

// authResponse builds an Open System Authentication frame, transaction 2,
// from bssid to sta (9.3.3.12).
func authResponse(sta, bssid MAC, algorithm, status uint16) []byte {
	b := header(ieee80211.SubtypeAuth, sta, bssid, bssid)
	b = binary.LittleEndian.AppendUint16(b, algorithm)
	b = binary.LittleEndian.AppendUint16(b, 2)
	return binary.LittleEndian.AppendUint16(b, status)
}

// assocResponse builds a (Re)Association Response (9.3.3.7): our
// capabilities, the status, the AID with its two top bits set, our rates
// and extra elements.
func assocResponse(subtype uint8, sta, bssid MAC, status, aid uint16, extra []byte) []byte {
	b := header(subtype, sta, bssid, bssid)
	b = binary.LittleEndian.AppendUint16(b, uint16(capabilityGO))
	b = binary.LittleEndian.AppendUint16(b, status)
	if status == 0 {
		aid |= 0xc000
	} else {
		aid = 0
	}
	b = binary.LittleEndian.AppendUint16(b, aid)
	b, _ = ieee80211.AppendSupportedRates(b, ofdmRates)
	return append(b, extra...)
}

// deauthentication builds a Deauthentication frame (9.3.3.13).
func deauthentication(da, sa, bssid MAC, reason uint16) []byte {
	b := header(ieee80211.SubtypeDeauth, da, sa, bssid)
	return binary.LittleEndian.AppendUint16(b, reason)
}

// parseP2P decodes the P2P IE of elems; found is false without one, err
// set when it is malformed.
func parseP2P(elems []ieee80211.Element) (*p2pmsg.Attributes, bool, error) {
	return p2pmsg.ParseIE(elems)
}

// ssidOf returns the SSID element of elems, checked (at most 32 octets).
func ssidOf(elems ieee80211.Elements) ([]byte, bool) {
	e, ok := elems.Find(ieee80211.ElemSSID)
	if !ok {
		return nil, false
	}
	s, err := ieee80211.DecodeSSID(e.Data)
	return s, err == nil
}

// onlyCCKRates reports whether the Supported Rates and Extended Supported
// Rates of elems name only 802.11b rates (1, 2, 5.5, 11 Mb/s): such a
// station cannot be a P2P device, and a GO ignores its probes (hostapd's
// supp_rates_11b_only).
func onlyCCKRates(elems ieee80211.Elements) bool {
	n, cck := 0, 0
	for _, e := range elems {
		if e.ID != ieee80211.ElemSupportedRates && e.ID != ieee80211.ElemExtSupportedRates {
			continue
		}
		for _, r := range e.Data {
			n++
			switch ieee80211.Rate(r).Value() {
			case 2, 4, 11, 22:
				cck++
			}
		}
	}
	return n > 0 && n == cck
}

// stationRates concatenates the Supported Rates and Extended Supported
// Rates of an association request, for NewStation.
func stationRates(elems ieee80211.Elements) []byte {
	var out []byte
	for _, e := range elems {
		if e.ID == ieee80211.ElemSupportedRates || e.ID == ieee80211.ElemExtSupportedRates {
			out = append(out, e.Data...)
		}
	}
	return out
}
