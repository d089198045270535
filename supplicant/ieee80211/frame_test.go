package ieee80211

import (
	"bytes"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var (
	goAddr   = MAC{0x02, 0x00, 0x00, 0x00, 0x01, 0x00}
	peerAddr = MAC{0x02, 0x00, 0x00, 0x00, 0x00, 0x00}
)

func TestDecodeMgmtReadsEveryHeaderField(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Mgmt
	}{{
		name: "GO beacon to broadcast",
		in: `8000 0000 ffffffffffff 020000000100 020000000100 1027
		     00`,
		want: Mgmt{
			Header: Header{
				FrameControl: FrameControl{Type: TypeManagement, Subtype: SubtypeBeacon},
				Addr1:        Broadcast, Addr2: goAddr, Addr3: goAddr,
				SequenceNumber: 0x271,
			},
			Body: []byte{0},
		},
	}, {
		name: "Public Action with +HTC carries HT Control",
		in: `d080 3a01 020000000100 020000000000 020000000100 5c03 44332211
		     0409`,
		want: Mgmt{
			Header: Header{
				FrameControl: FrameControl{Subtype: SubtypeAction, Order: true},
				Duration:     0x013a,
				Addr1:        goAddr, Addr2: peerAddr, Addr3: goAddr,
				SequenceNumber: 0x035, FragmentNumber: 0xc,
				HTControl: 0x11223344,
			},
			Body: []byte{0x04, 0x09},
		},
	}, {
		name: "every flag but +HTC, empty body",
		in:   `c07f ffff 020000000100 020000000000 020000000100 ffff`,
		want: Mgmt{
			Header: Header{
				FrameControl: FrameControl{
					Subtype: SubtypeDeauth, ToDS: true, FromDS: true, MoreFragments: true,
					Retry: true, PowerManagement: true, MoreData: true, Protected: true,
				},
				Duration: 0xffff,
				Addr1:    goAddr, Addr2: peerAddr, Addr3: goAddr,
				SequenceNumber: 0xfff, FragmentNumber: 0xf,
			},
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := unhex(t, tt.in)
			got, err := DecodeMgmt(in)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got, equateEmpty); diff != "" {
				t.Errorf("DecodeMgmt (-want +got):\n%s", diff)
			}
			if enc := got.Append(nil); !bytes.Equal(enc, in) {
				t.Errorf("Append = %x, want %x", enc, in)
			}
		})
	}
}

func TestDecodeMgmtRejectsFramesOfOtherTypes(t *testing.T) {
	tests := []struct {
		name string
		in   string
	}{
		{"QoS Data", "8801 3000 020000000100 020000000000 020000000100 0000 0000 aaaa030000000800"},
		{"Data", "0802 0000 020000000100 020000000000 020000000100 0000"},
		{"Ack (control)", "d400 0000 020000000100"},
		{"DMG Beacon (extension)", "0c00 0000 020000000100 020000000000 020000000100 0000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeMgmt(unhex(t, tt.in))
			if !errors.Is(err, ErrNotManagement) || !errors.Is(err, ErrInvalid) {
				t.Errorf("DecodeMgmt error = %v, want ErrNotManagement (an ErrInvalid)", err)
			}
		})
	}
}

func TestDecodeMgmtRejectsProtocolVersionOtherThanZero(t *testing.T) {
	_, err := DecodeMgmt(unhex(t, "8100 0000 ffffffffffff 020000000100 020000000100 0000"))
	if !errors.Is(err, ErrInvalid) {
		t.Errorf("DecodeMgmt error = %v, want ErrInvalid", err)
	}
}

func TestDecodeMgmtRejectsFramesShorterThanTheirHeader(t *testing.T) {
	tests := []struct {
		name string
		in   string
	}{
		{"empty", ""},
		{"one octet", "80"},
		{"23 octets", "8000 0000 ffffffffffff 020000000100 020000000100 10"},
		{"+HTC with 27 octets", "8080 0000 ffffffffffff 020000000100 020000000100 1027 112233"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := DecodeMgmt(unhex(t, tt.in)); !errors.Is(err, ErrTruncated) {
				t.Errorf("DecodeMgmt error = %v, want ErrTruncated", err)
			}
		})
	}
}

func TestFrameControlRoundTripsEveryValue(t *testing.T) {
	for v := range 1 << 16 {
		in := []byte{byte(v), byte(v >> 8)}
		fc, err := DecodeFrameControl(in)
		if err != nil {
			t.Fatal(err)
		}
		if got := fc.Append(nil); !bytes.Equal(got, in) {
			t.Fatalf("Frame Control %x re-encodes as %x", in, got)
		}
	}
}

func TestHeaderAppendOmitsHTControlWithoutOrderFlag(t *testing.T) {
	h := Header{FrameControl: FrameControl{Subtype: SubtypeProbeReq}, Addr1: Broadcast, HTControl: 0xdeadbeef}
	if got := h.Append(nil); len(got) != MgmtHeaderLen || h.Len() != MgmtHeaderLen {
		t.Errorf("header of %d octets (Len %d), want %d", len(got), h.Len(), MgmtHeaderLen)
	}
}

// docs/bad-input.md 4a #18 (CVE-2019-16275): a management frame with a
// group source address decodes, and the header says so, so that the GO
// side can drop it before creating station state.
func TestBadInput4a18HeaderDetectsGroupSourceAddress(t *testing.T) {
	tests := []struct {
		name string
		sa   MAC
		want bool
	}{
		{"unicast SA", peerAddr, false},
		{"broadcast SA", Broadcast, true},
		{"multicast SA", MAC{0x01, 0x00, 0x5e, 0x00, 0x00, 0x01}, true},
		{"IPv6 multicast SA", MAC{0x33, 0x33, 0x00, 0x00, 0x00, 0x01}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			auth := Mgmt{
				Header: Header{FrameControl: FrameControl{Subtype: SubtypeAuth}, Addr1: goAddr, Addr2: tt.sa, Addr3: goAddr},
				Body:   unhex(t, "0000 0100 0000"),
			}
			m, err := DecodeMgmt(auth.Append(nil))
			if err != nil {
				t.Fatal(err)
			}
			if got := m.Header.HasGroupSA(); got != tt.want {
				t.Errorf("HasGroupSA() = %v, want %v", got, tt.want)
			}
			if m.Header.SA() != tt.sa || m.Header.DA() != goAddr || m.Header.BSSID() != goAddr {
				t.Errorf("addresses = SA %v DA %v BSSID %v", m.Header.SA(), m.Header.DA(), m.Header.BSSID())
			}
		})
	}
}

func TestMgmtDecodeBodyKeepsProtectedBodiesRaw(t *testing.T) {
	m := Mgmt{Header: Header{FrameControl: FrameControl{Subtype: SubtypeDeauth, Protected: true}}, Body: []byte{1}}
	body, err := m.DecodeBody()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(RawBody{1}, body); diff != "" {
		t.Errorf("DecodeBody (-want +got):\n%s", diff)
	}
}
