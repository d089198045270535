package dbusapi

import (
	"context"
	"fmt"

	"github.com/godbus/dbus/v5"
	"github.com/p2pmanager/p2pmanager/api"
)

// Authorizer decides whether a bus client may perform a polkit action
// (ActionDiscover, ActionConnect, ActionConfigure, ActionManageGroups).
type Authorizer interface {
	// Authorize returns nil when the client with unique name sender may
	// perform action, an error wrapping ErrPermissionDenied when not.
	// Interactive tells that the caller allowed interactive authorization
	// (the message flag ALLOW_INTERACTIVE_AUTHORIZATION).
	Authorize(ctx context.Context, sender, action string, interactive bool) error
}

// AllowAll authorizes everything: for the session bus or a private bus,
// where there is no polkit.
type AllowAll struct{}

// Authorize implements Authorizer.
func (AllowAll) Authorize(context.Context, string, string, bool) error { return nil }

// polkitAuthorizer asks polkit's Authority on the system bus
// (org.freedesktop.PolicyKit1.Authority.CheckAuthorization) with the
// caller as a system-bus-name subject.
type polkitAuthorizer struct{ conn *dbus.Conn }

const (
	polkitName           = "org.freedesktop.PolicyKit1"
	polkitPath           = "/org/freedesktop/PolicyKit1/Authority"
	polkitCheck          = "org.freedesktop.PolicyKit1.Authority.CheckAuthorization"
	polkitAllowInteract  = uint32(1)
	polkitSubjectBusName = "system-bus-name"
)

type polkitSubject struct {
	Kind    string
	Details map[string]dbus.Variant
}

type polkitResult struct {
	IsAuthorized bool
	IsChallenge  bool
	Details      map[string]string
}

// Authorize implements Authorizer.
func (p polkitAuthorizer) Authorize(ctx context.Context, sender, action string, interactive bool) error {
	subject := polkitSubject{polkitSubjectBusName, map[string]dbus.Variant{"name": dbus.MakeVariant(sender)}}
	var flags uint32
	if interactive {
		flags = polkitAllowInteract
	}
	var res polkitResult
	err := p.conn.Object(polkitName, polkitPath).CallWithContext(ctx, polkitCheck, 0,
		subject, action, map[string]string{}, flags, "").Store(&res)
	if err != nil {
		return fmt.Errorf("%w: the authorization check for %s failed: %v", api.ErrPermissionDenied, action, err)
	}
	if res.IsAuthorized {
		return nil
	}
	if res.IsChallenge {
		return fmt.Errorf("%w: %s needs authentication; call with interactive authorization allowed", api.ErrPermissionDenied, action)
	}
	return fmt.Errorf("%w: not authorized for %s", api.ErrPermissionDenied, action)
}
