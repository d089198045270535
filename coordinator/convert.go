package coordinator

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/p2pmanager/p2pmanager/api"
	"github.com/p2pmanager/p2pmanager/supplicant/group"
	"github.com/p2pmanager/p2pmanager/supplicant/p2p"
	"github.com/p2pmanager/p2pmanager/supplicant/p2pmsg"
	"github.com/p2pmanager/p2pmanager/supplicant/radio"
	"github.com/p2pmanager/p2pmanager/supplicant/wsc"
)

// This file converts between the service's contract (package api) and the
// cores' vocabulary: errors, discovery options, provisioning methods, peers,
// capabilities and names. Its functions are pure and run anywhere.

// mapErr wraps a core error in the contract's sentinel that names it.
func mapErr(err error) error {
	var se *p2p.StatusError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	case errors.Is(err, p2p.ErrNoResponse), errors.Is(err, p2p.ErrNoConfirmation):
		return fmt.Errorf("%w: %w", api.ErrPeerUnreachable, err)
	case errors.Is(err, p2p.ErrNoCommonChannel):
		return fmt.Errorf("%w: %w", api.ErrNoCommonChannel, err)
	case errors.Is(err, p2p.ErrBusy):
		return fmt.Errorf("%w: %w", api.ErrBusy, err)
	case errors.Is(err, p2p.ErrUnknownPeer):
		return fmt.Errorf("%w: %w", api.ErrNotFound, err)
	case errors.Is(err, p2p.ErrCanceled):
		return fmt.Errorf("%w: %w", api.ErrAborted, err)
	case errors.Is(err, p2p.ErrClosed):
		return fmt.Errorf("%w: %w", api.ErrNotReady, err)
	case errors.Is(err, p2p.ErrUnsupportedMethod):
		return fmt.Errorf("%w: %w", api.ErrNotSupported, err)
	case errors.As(err, &se), errors.Is(err, p2p.ErrBothGOIntent15), errors.Is(err, p2p.ErrIncompatibleMethod):
		return fmt.Errorf("%w: %w", api.ErrRejected, err)
	}
	return fmt.Errorf("%w: %w", api.ErrFailed, err)
}

func findOptions(o api.DiscoveryOptions) p2p.FindOptions {
	f := p2p.FindOptions{Type: p2p.FindFull}
	if o.Type == api.DiscoverSocial {
		f.Type = p2p.FindSocial
	}
	for _, t := range o.DeviceTypes {
		f.DeviceTypes = append(f.DeviceTypes, p2p.DeviceType(t))
	}
	return f
}

func sameDiscovery(a, b api.DiscoveryOptions) bool {
	if a.Type != b.Type || len(a.DeviceTypes) != len(b.DeviceTypes) {
		return false
	}
	for i := range a.DeviceTypes {
		if a.DeviceTypes[i] != b.DeviceTypes[i] {
			return false
		}
	}
	return true
}

// methodFor chooses the core's method; MethodAuto picks from the peer's
// Config Methods, push button first.
func methodFor(m api.WPSMethod, peer api.ConfigMethods) p2p.WPSMethod {
	switch m {
	case api.MethodPBC:
		return p2p.MethodPBC
	case api.MethodPINDisplay:
		return p2p.MethodDisplay
	case api.MethodPINKeypad:
		return p2p.MethodKeypad
	}
	c := p2p.ConfigMethods(peer)
	switch {
	case c == 0 || c&p2p.ConfigPushButton != 0:
		return p2p.MethodPBC
	case c&p2p.ConfigKeypad != 0: // the peer enters, we display
		return p2p.MethodDisplay
	case c&p2p.ConfigDisplay != 0:
		return p2p.MethodKeypad
	}
	return p2p.MethodPBC
}

func wpsMethodOf(m p2p.WPSMethod) api.WPSMethod {
	switch m {
	case p2p.MethodPBC:
		return api.MethodPBC
	case p2p.MethodDisplay:
		return api.MethodPINDisplay
	case p2p.MethodKeypad:
		return api.MethodPINKeypad
	}
	return api.MethodAuto
}

func peerInfo(p p2p.Peer) api.PeerInfo {
	info := api.PeerInfo{
		Address:           api.MAC(p.Address),
		Name:              p.Name,
		PrimaryDeviceType: api.DeviceType(p.PrimaryDeviceType),
		ConfigMethods:     api.ConfigMethods(p.ConfigMethods),
		DeviceCapability:  uint8(p.DeviceCapability),
		GroupCapability:   uint8(p.GroupCapability),
		GroupOwner:        p.GroupOwner,
		Manufacturer:      p.Manufacturer,
		Model:             p.ModelName,
		ModelNumber:       p.ModelNumber,
		SerialNumber:      p.SerialNumber,
		Signal:            int16(p.Signal / 100),
		LastSeen:          p.LastSeen,
	}
	for _, t := range p.SecondaryDeviceTypes {
		info.SecondaryDeviceTypes = append(info.SecondaryDeviceTypes, api.DeviceType(t))
	}
	if p.WFDSubelements != nil {
		info.WFD = wfdInfo(p.WFDSubelements)
	}
	return info
}

// wfdInfo reads WFD Device Information (Wi-Fi Display v2.1, 5.1.2); nil
// when the payload does not parse.
func wfdInfo(payload []byte) *api.WFDInfo {
	w, err := p2pmsg.ParseWFD(payload)
	if err != nil {
		return nil
	}
	info := &api.WFDInfo{Subelements: append([]byte(nil), payload...)}
	if di := w.DeviceInfo; di != nil {
		info.DeviceType = api.WFDDeviceType(di.DeviceInfo & 0x3)
		info.SessionAvailable = di.DeviceInfo&0x30 == 0x10
		info.ContentProtection = di.DeviceInfo&0x100 != 0
		info.RTSPPort = di.SessionManagementControlPort
		info.MaxThroughput = di.MaxThroughput
	}
	return info
}

func capabilities(p radio.PhyInfo) api.Capabilities {
	c := api.Capabilities{P2PDevice: p.P2PDevice()}
	for _, b := range p.Bands {
		switch b.ID {
		case radio.Band2GHz:
			c.Bands = append(c.Bands, api.Band2GHz)
		case radio.Band5GHz:
			c.Bands = append(c.Bands, api.Band5GHz)
		case radio.Band6GHz:
			c.Bands = append(c.Bands, api.Band6GHz)
		default:
			continue
		}
		for _, ch := range b.Channels {
			if !ch.Disabled && !ch.NoIR {
				c.Frequencies = append(c.Frequencies, uint32(ch.Freq))
			}
		}
	}
	for _, ic := range p.Combinations {
		out := api.InterfaceCombination{MaxInterfaces: uint32(ic.MaxInterfaces), Channels: uint32(ic.NumChannels)}
		for _, l := range ic.Limits {
			lim := api.InterfaceLimit{Max: uint32(l.Max)}
			for t := radio.IfStation; t <= radio.IfP2PDevice; t++ {
				if l.Types.Has(t) {
					lim.Types = append(lim.Types, ifTypeName(t))
				}
			}
			out.Limits = append(out.Limits, lim)
		}
		c.Combinations = append(c.Combinations, out)
	}
	return c
}

func ifTypeName(t radio.IfType) string {
	switch t {
	case radio.IfStation:
		return "station"
	case radio.IfAP:
		return "ap"
	case radio.IfP2PClient:
		return "p2p-client"
	case radio.IfP2PGO:
		return "p2p-go"
	case radio.IfP2PDevice:
		return "p2p-device"
	}
	return t.String()
}

// deviceID replaces characters other than [A-Za-z0-9_] by '_'.
func deviceID(name string) api.DeviceID {
	return api.DeviceID(strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_':
			return r
		}
		return '_'
	}, name))
}

// groupErr maps why a group formation failed to the contract's error.
func groupErr(err error, ce wsc.ConfigError) error {
	switch {
	case errors.Is(err, group.ErrProvisioning) && ce == wsc.ConfigErrDevicePasswordAuthFailure:
		return fmt.Errorf("%w: %w", api.ErrIncorrectPIN, err)
	case errors.Is(err, group.ErrFormationTimeout):
		return fmt.Errorf("%w: %w", api.ErrTimeout, err)
	case errors.Is(err, group.ErrGONotFound):
		return fmt.Errorf("%w: %w", api.ErrPeerUnreachable, err)
	}
	return fmt.Errorf("%w: %w", api.ErrFailed, err)
}

// groupWPS is our provisioning in a group formed with method (ours) and
// pin: push button; as GO a PIN (any PIN ID); as client Device Password
// ID Default when we display our PIN and Registrar-specified when we typed
// the GO's (as wpa_supplicant does; WSC v2.0.5, Table 37).
func groupWPS(role p2pmsg.Role, method p2p.WPSMethod, pin string) group.WPS {
	switch {
	case method == p2p.MethodPBC:
		return group.WPS{PasswordID: wsc.PasswordPushButton}
	case role == p2pmsg.RoleGO, method == p2p.MethodDisplay:
		return group.WPS{PasswordID: wsc.PasswordDefault, PIN: pin}
	}
	return group.WPS{PasswordID: wsc.PasswordRegistrarSpecified, PIN: pin}
}

// groupRole is the contract's name of our role in a group.
func groupRole(r p2pmsg.Role) api.GroupRole {
	if r == p2pmsg.RoleGO {
		return api.RoleGO
	}
	return api.RoleClient
}
