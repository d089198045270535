package coordinator

import (
	"context"
	"errors"
	"testing"

	"github.com/p2pmanager/p2pmanager/api"
	"github.com/p2pmanager/p2pmanager/supplicant/group"
	"github.com/p2pmanager/p2pmanager/supplicant/p2p"
	"github.com/p2pmanager/p2pmanager/supplicant/wsc"
)

func TestGroupErrNamesFormationFailures(t *testing.T) {
	for _, tc := range []struct {
		in   error
		ce   wsc.ConfigError
		want error
	}{
		{group.ErrProvisioning, wsc.ConfigErrDevicePasswordAuthFailure, api.ErrIncorrectPIN},
		{group.ErrProvisioning, 0, api.ErrFailed},
		{group.ErrFormationTimeout, 0, api.ErrTimeout},
		{group.ErrGONotFound, 0, api.ErrPeerUnreachable},
		{group.ErrHandshake, 0, api.ErrFailed},
	} {
		if got := groupErr(tc.in, tc.ce); !errors.Is(got, tc.want) {
			t.Errorf("groupErr(%v, %d) = %v, want %v", tc.in, tc.ce, got, tc.want)
		}
	}
}

func TestMapErrNamesCoreErrors(t *testing.T) {
	for _, tc := range []struct {
		in   error
		want error
	}{
		{p2p.ErrNoResponse, api.ErrPeerUnreachable},
		{p2p.ErrNoCommonChannel, api.ErrNoCommonChannel},
		{&p2p.StatusError{Status: 1, Remote: true}, api.ErrRejected},
		{&p2p.StatusError{Status: 7, Remote: true}, api.ErrNoCommonChannel},
		{p2p.ErrBusy, api.ErrBusy},
		{p2p.ErrUnknownPeer, api.ErrNotFound},
		{context.Canceled, context.Canceled},
	} {
		if got := mapErr(tc.in); !errors.Is(got, tc.want) {
			t.Errorf("mapErr(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
}
