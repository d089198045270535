package wsc

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
)

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// leadingElements returns the elements before the first one that overruns
// b (the hostap fuzzing corpus files carry mutated tails).
func leadingElements(b []byte) []ieee80211.Element {
	var elems []ieee80211.Element
	for off := 0; len(b)-off >= 2 && len(b)-off-2 >= int(b[off+1]); off += 2 + int(b[off+1]) {
		elems = append(elems, ieee80211.Element{ID: b[off], Data: b[off+2 : off+2+int(b[off+1])]})
	}
	return elems
}

func TestDecodeProbeResponseFromHostapCorpus(t *testing.T) {
	tests := []struct {
		file string
		want ProbeResponse
	}{
		{"proberesp-go.dat", ProbeResponse{ // a P2P Group Owner with PBC active
			WPSState: WPSStateConfigured, SelectedRegistrar: ptr(true), DevicePasswordID: ptr(PasswordDefault),
			SelectedRegistrarConfigMethods: ptr(ConfigMethods(0x3148)), ResponseType: ResponseAP,
			UUIDE:        UUID(unhex(t, "362db47ba53a519188fb5458b986b2e4")),
			Manufacturer: " ", ModelName: " ", ModelNumber: " ", SerialNumber: " ", DeviceName: "Device A",
			ConfigMethods:    0x3148,
			VendorExtensions: []VendorExtension{{VendorID: VendorIDWFA, Data: unhex(t, "000120 0106ffffffffffff")}},
		}},
		{"proberesp.dat", ProbeResponse{ // a P2P Device
			WPSState: WPSStateNotConfigured, ResponseType: ResponseEnrolleeInfo,
			UUIDE:        UUID(unhex(t, "572cf82fc95756539b16b5cfb298abf1")),
			Manufacturer: " ", ModelName: " ", ModelNumber: " ", SerialNumber: " ", DeviceName: "Device B",
			ConfigMethods:    0x3148,
			VendorExtensions: []VendorExtension{{VendorID: VendorIDWFA, Data: unhex(t, "000120")}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			elems := leadingElements(readTestdata(t, tt.file))
			got, err := DecodeIE[ProbeResponse](elems)
			if err != nil {
				t.Fatalf("DecodeIE[ProbeResponse]: %v", err)
			}
			if d := diff(&tt.want, got); d != "" {
				t.Errorf("DecodeIE[ProbeResponse] (-want +got):\n%s", d)
			}
			payload, _ := IEPayload(elems)
			if back := mustEncode(t, got); !bytes.Equal(back, payload) {
				t.Errorf("re-encoding differs:\n got %x\nwant %x", back, payload)
			}
			w, ok := WFA(got.VendorExtensions)
			if !ok || w.Version2 != 0x20 {
				t.Errorf("WFA = %+v, %v", w, ok)
			}
		})
	}
}

func TestAppendIESplitsLongContentOverVendorElements(t *testing.T) {
	pr := sampleContainers(t)["Probe Response"].(*ProbeResponse)
	pr.VendorExtensions = append(pr.VendorExtensions, VendorExtension{VendorID: 0x000137, Data: bytes.Repeat([]byte{0xaa}, 600)})
	b, err := AppendIE([]byte{ieee80211.ElemSSID, 0}, pr)
	if err != nil {
		t.Fatalf("AppendIE: %v", err)
	}
	elems, err := ieee80211.ParseElements(b)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range elems {
		if e.IsVendor(ieee80211.OUIMicrosoft, ieee80211.VendorTypeWSC) {
			n++
		}
	}
	if n < 3 {
		t.Errorf("WSC IE split into %d elements, want at least 3", n)
	}
	got, err := DecodeIE[ProbeResponse](elems)
	if err != nil {
		t.Fatalf("DecodeIE: %v", err)
	}
	if d := diff(pr, got); d != "" {
		t.Errorf("DecodeIE (-want +got):\n%s", d)
	}
}

func TestDecodeIEWithoutWSCElementIsMissing(t *testing.T) {
	elems := []ieee80211.Element{{ID: ieee80211.ElemSSID, Data: []byte("DIRECT-")}}
	if _, err := DecodeIE[Beacon](elems); !errors.Is(err, ErrMissing) {
		t.Errorf("DecodeIE error = %v, want ErrMissing", err)
	}
}

func TestDecodeIERequiresTheMandatoryAttributesOfItsFrame(t *testing.T) {
	// The WSC IE of a GO Negotiation Request (Version, Device Password ID,
	// WFA Vendor Extension) is no Probe Request.
	frame := readTestdata(t, "go-neg-req.dat")
	elems := leadingElements(frame[24+8:])
	payload, ok := IEPayload(elems)
	if !ok {
		t.Fatal("no WSC IE in go-neg-req.dat")
	}
	attrs, err := ParseAttributes(payload)
	if err != nil {
		t.Fatalf("ParseAttributes: %v", err)
	}
	if v, _ := Find(attrs, AttrDevicePasswordID); !bytes.Equal(v, []byte{0, 1}) {
		t.Errorf("Device Password ID %x, want 0001 (User-specified)", v)
	}
	if _, err := DecodeIE[ProbeRequest](elems); !errors.Is(err, ErrMissing) {
		t.Errorf("DecodeIE[ProbeRequest] error = %v, want ErrMissing", err)
	}
}
