package dbusapi

import "strings"

// The D-Bus API as data: every interface, member, argument, option,
// property, annotation and its documentation. api/org.freedesktop.WiFiP2P.xml
// is generated from it (go generate), the live introspection of every
// object is rendered from it, and the dispatcher checks signatures and
// options against it.

//go:generate go run ./internal/genapi -o ../api/org.freedesktop.WiFiP2P.xml

// Names of the service.
const (
	// BusName is the well-known name the service owns.
	BusName = "org.freedesktop.WiFiP2P"
	// RootPath is the object path of the Manager1 and ObjectManager
	// object; devices, peers and groups are below it.
	RootPath = "/org/freedesktop/WiFiP2P"

	ifaceManager = "org.freedesktop.WiFiP2P.Manager1"
	ifaceDevice  = "org.freedesktop.WiFiP2P.Device1"
	ifacePeer    = "org.freedesktop.WiFiP2P.Peer1"
	ifaceGroup   = "org.freedesktop.WiFiP2P.Group1"
	ifaceAgent   = "org.freedesktop.WiFiP2P.Agent1"

	ifaceProperties    = "org.freedesktop.DBus.Properties"
	ifaceIntrospect    = "org.freedesktop.DBus.Introspectable"
	ifacePeerStd       = "org.freedesktop.DBus.Peer"
	ifaceObjectManager = "org.freedesktop.DBus.ObjectManager"

	// annotationAction names the polkit action that guards a method or a
	// property setter.
	annotationAction = "org.freedesktop.WiFiP2P.PolkitAction"
	annotationEmits  = "org.freedesktop.DBus.Property.EmitsChangedSignal"
)

// Polkit actions, one per privilege level (docs/bad-input.md 4c #9).
const (
	// ActionDiscover guards StartDiscovery and StartListen.
	ActionDiscover = "org.freedesktop.WiFiP2P.discover"
	// ActionConnect guards Connect, Disconnect, ProvisionDiscovery and
	// RegisterAgent.
	ActionConnect = "org.freedesktop.WiFiP2P.connect"
	// ActionConfigure guards the setters of Device1's properties.
	ActionConfigure = "org.freedesktop.WiFiP2P.configure"
	// ActionManageGroups guards CreateGroup, Leave and AllowJoin.
	ActionManageGroups = "org.freedesktop.WiFiP2P.manage-groups"
)

// Actions lists the polkit actions the service checks.
func Actions() []string {
	return []string{ActionDiscover, ActionConnect, ActionConfigure, ActionManageGroups}
}

// Size caps, documented in the API and enforced by the dispatcher.
const (
	maxNameLen        = 32  // P2P Device Name, octets (Wi-Fi P2P v1.7, 4.1.15)
	maxStringArg      = 256 // any other string argument or option, octets
	maxPathArg        = 255 // object path arguments, octets
	maxOptions        = 32  // entries in an a{sv}
	maxDeviceTypes    = 16  // Requested Device Types
	maxLeaseTimeout   = 3600
	maxJoinTimeout    = 600
	defaultJoinWindow = 120 // seconds, the WPS Walk Time
)

type annotation struct{ Name, Value string }

type argSpec struct{ Name, Type, Doc string }

// optionSpec is one key of a method's a{sv} "options" argument.
type optionSpec struct{ Key, Type, Doc string }

type methodSpec struct {
	Name    string
	In, Out []argSpec
	Options []optionSpec
	Doc     string
	// Errors are the names (after ErrorPrefix) the method may reply with.
	Errors []string
	// Action is the polkit action checked before the method runs.
	Action string
}

type propertySpec struct {
	Name, Type string
	Write      bool
	// Emits is the EmitsChangedSignal annotation: "" (true, the default),
	// or "const".
	Emits string
	// Noisy properties (signal strength, last seen) are batched for at
	// least Config.NoisyInterval.
	Noisy  bool
	Action string // for a writable property: the setter's polkit action
	Doc    string
}

type signalSpec struct {
	Name string
	Args []argSpec
	Doc  string
}

type interfaceSpec struct {
	Name       string
	Short      string
	Doc        string
	Methods    []methodSpec
	Properties []propertySpec
	Signals    []signalSpec
}

// sig is the concatenated signature of args.
func sig(args []argSpec) string {
	var b strings.Builder
	for _, a := range args {
		b.WriteString(a.Type)
	}
	return b.String()
}

func (i *interfaceSpec) method(name string) *methodSpec {
	for k := range i.Methods {
		if i.Methods[k].Name == name {
			return &i.Methods[k]
		}
	}
	return nil
}

func (i *interfaceSpec) property(name string) *propertySpec {
	for k := range i.Properties {
		if i.Properties[k].Name == name {
			return &i.Properties[k]
		}
	}
	return nil
}

func (m *methodSpec) annotations() []annotation {
	if m.Action == "" {
		return nil
	}
	return []annotation{{annotationAction, m.Action}}
}

func (p *propertySpec) annotations() []annotation {
	var a []annotation
	if p.Emits != "" {
		a = append(a, annotation{annotationEmits, p.Emits})
	}
	if p.Action != "" {
		a = append(a, annotation{annotationAction, p.Action})
	}
	return a
}

func (p *propertySpec) access() string {
	if p.Write {
		return "readwrite"
	}
	return "read"
}

// errs is the errors every privileged method with arguments may reply,
// and extra.
func errs(extra ...string) []string {
	return append([]string{"InvalidArguments", "PermissionDenied", "Busy"}, extra...)
}

// apiSpec returns the service's own interfaces, in documentation order.
func apiSpec() []interfaceSpec {
	return []interfaceSpec{managerSpec(), deviceSpec(), peerSpec(), groupSpec(), agentSpec()}
}

func managerSpec() interfaceSpec {
	return interfaceSpec{
		Name:  ifaceManager,
		Short: "The service",
		Doc: `Object path: /org/freedesktop/WiFiP2P. The same object implements org.freedesktop.DBus.ObjectManager: devices (/org/freedesktop/WiFiP2P/phy0), their peers (.../phy0/peers/aa_bb_cc_dd_ee_ff) and their groups (.../phy0/groups/N) appear and vanish with InterfacesAdded and InterfacesRemoved, and every property change is signalled with org.freedesktop.DBus.Properties.PropertiesChanged (changes within a short window are batched per object).

Every call is bounded: a client may have 16 calls in flight (more fail with Busy at once), every string argument or option is at most 256 octets unless a smaller cap is documented, object path arguments at most 255 octets, a{sv} arguments at most 32 entries. A body whose signature differs from the method's is refused with org.freedesktop.DBus.Error.InvalidArgs; unknown option keys, wrong variant types and out-of-range values with InvalidArguments, and nothing is applied.

What a client asks for is tied to its connection: discovery and listen leases, groups it created (unless it passed bind "none") and its agent end when it leaves the bus.`,
		Methods: []methodSpec{
			{
				Name: "RegisterAgent",
				In: []argSpec{
					{"agent", "o", "Object path, on the caller's connection, of an object implementing org.freedesktop.WiFiP2P.Agent1 (at most 255 octets)."},
					{"capability", "s", `What the agent can do: "keyboard-display" (or ""), "display-only", "keyboard-only" or "no-input-no-output".`},
				},
				Doc:    "Registers the agent that accepts or refuses incoming requests from peers and shows or asks for PINs. There is one agent at a time; without one, every incoming request is refused. The agent is unregistered when its connection leaves the bus. Registering again from the same connection and path changes the capability.",
				Errors: errs(),
				Action: ActionConnect,
			},
			{
				Name:   "UnregisterAgent",
				In:     []argSpec{{"agent", "o", "The object path given to RegisterAgent."}},
				Doc:    "Unregisters the caller's agent. Agent1.Release is not called.",
				Errors: []string{"InvalidArguments", "NotFound", "Busy"},
			},
		},
		Properties: []propertySpec{
			{Name: "Version", Type: "s", Emits: "const", Doc: "The version of the service."},
		},
	}
}

func deviceSpec() interfaceSpec {
	return interfaceSpec{
		Name:  ifaceDevice,
		Short: "A P2P-capable radio",
		Doc:   `Object path: /org/freedesktop/WiFiP2P/{phy0,phy1,...}, one per radio that can do Wi-Fi P2P (a P2P Device in the Wi-Fi P2P Technical Specification's words). Its peers and groups are child objects.`,
		Methods: []methodSpec{
			{
				Name: "StartDiscovery",
				In:   []argSpec{{"options", "a{sv}", "Options, all optional:"}},
				Options: []optionSpec{
					{"type", "s", `"full" (default: every channel first, then the social channels), "social" (channels 1, 6 and 11 only) or "progressive" (the social channels and one more channel each round).`},
					{"device_types", "aay", "Only look for peers with one of these primary or secondary device types: at most 16 WSC device types of 8 octets each (Category, OUI, Sub Category, big-endian). A hint: other peers may still appear while other clients discover without a filter."},
					{"timeout", "u", "End this client's lease after this many seconds (1 to 3600). Without it the lease lasts until StopDiscovery or until the client leaves the bus."},
				},
				Doc:    `Takes a discovery lease for the calling client. Discovery (the Search and Listen states of the Wi-Fi P2P Find phase) runs while at least one client holds a lease, with the union of the clients' options, and ends when the last lease is released, times out, or its holder leaves the bus. It does not expire on its own. Calling again replaces the caller's options. Found peers appear as child objects (InterfacesAdded) and are updated while discovery runs; Discovering tells whether discovery actually runs (it pauses while a group forms).`,
				Errors: errs("NotReady", "NotSupported"),
				Action: ActionDiscover,
			},
			{
				Name:   "StopDiscovery",
				Doc:    "Releases the caller's discovery lease.",
				Errors: []string{"NotFound", "Busy"},
			},
			{
				Name: "StartListen",
				In:   []argSpec{{"options", "a{sv}", "Options, all optional:"}},
				Options: []optionSpec{
					{"timeout", "u", "End this client's lease after this many seconds (1 to 3600)."},
				},
				Doc:    "Takes a listen lease for the calling client: the device stays in the Listen State (discoverable by peers, able to receive requests) while at least one client holds a lease, like StartDiscovery. Listening tells whether it is.",
				Errors: errs("NotReady", "NotSupported"),
				Action: ActionDiscover,
			},
			{
				Name:   "StopListen",
				Doc:    "Releases the caller's listen lease.",
				Errors: []string{"NotFound", "Busy"},
			},
			{
				Name: "CreateGroup",
				In:   []argSpec{{"options", "a{sv}", "Options, all optional:"}},
				Out:  []argSpec{{"group", "o", "The new group's object."}},
				Options: []optionSpec{
					{"persistent", "b", "Make the group persistent (peers can be invited back to it later). Default false."},
					{"band", "s", `Operate on this band: "2.4ghz", "5ghz" or "6ghz". Not together with frequency.`},
					{"frequency", "u", "Operate on this channel, given as its centre frequency in MHz (2412 to 7125)."},
					{"passphrase", "s", "The WPA2 passphrase, 8 to 63 printable ASCII characters, for legacy (non-P2P) clients the application gives it to; by default the service generates one. It is never readable back."},
					{"bind", "s", `"client" (default): the group ends when the calling client leaves the bus; "none": it stays until Group1.Leave.`},
				},
				Doc:    "Starts an autonomous group with this device as Group Owner and replies when it is up. The radio's arbiter chooses the channel: on a radio that runs one channel at a time while a station on it is connected, the group goes on the station's channel; a frequency the radio cannot use beside what uses it now is a ConcurrencyConflict (or, as the configuration's conflict policy says, the agent is asked or the station yields). PlanGroup tells beforehand.",
				Errors: errs("NotReady", "NotSupported", "NoCommonChannel", "ConcurrencyConflict", "Rejected", "Failed"),
				Action: ActionManageGroups,
			},
			{
				Name: "PlanGroup",
				In:   []argSpec{{"options", "a{sv}", "Options, all optional (those of CreateGroup, or with peer those of Peer1.Connect, that bear on the radio):"}},
				Out:  []argSpec{{"plan", "a{sv}", `The arbiter's answer: "possible" (b), "frequency" (u, the channel the group would use; 0 when not possible or left to the GO Negotiation), "decision" (s: "allow", "refuse", "ask" (the agent would be asked whether the station may disconnect) or "station-yields" (the station's manager would be asked to disconnect it while the group runs)), "reason" (s, in words), "conflicts" (as, the uses of the radio the group conflicts with), "interrupts" (as, what it would interrupt), "error" (s, the error name the call would fail with; "" when possible).`}},
				Options: []optionSpec{
					{"peer", "o", "Plan a Peer1.Connect to this peer (a Peer1 object of this device) instead of a CreateGroup."},
					{"join", "b", "With peer: plan joining the peer's running group."},
					{"band", "s", `As CreateGroup's: "2.4ghz", "5ghz" or "6ghz".`},
					{"frequency", "u", "As CreateGroup's and Connect's, MHz."},
					{"force_frequency", "b", "As Connect's."},
				},
				Doc:    "Says, without doing anything, whether a group could start now, on which channel, and what it would conflict with or interrupt: the decision CreateGroup or Peer1.Connect with the same options would meet.",
				Errors: []string{"InvalidArguments", "NotFound", "Busy"},
			},
		},
		Properties: []propertySpec{
			{Name: "Name", Type: "s", Write: true, Action: ActionConfigure, Doc: "The P2P Device Name shown to peers: 1 to 32 octets of UTF-8 without control characters."},
			{Name: "Address", Type: "s", Doc: `The P2P Device Address, "aa:bb:cc:dd:ee:ff".`},
			{Name: "PrimaryDeviceType", Type: "ay", Doc: "The WSC Primary Device Type advertised: 8 octets (Category, OUI, Sub Category, big-endian)."},
			{Name: "Enabled", Type: "b", Write: true, Action: ActionConfigure, Doc: "Whether P2P is enabled on this radio."},
			{Name: "Discovering", Type: "b", Doc: "Whether discovery runs now."},
			{Name: "Listening", Type: "b", Doc: "Whether the device is in the Listen State now, findable by peers, serving the listen leases."},
			{Name: "GOIntent", Type: "u", Write: true, Action: ActionConfigure, Doc: "The GO Intent used in GO Negotiation, 0 (prefer client) to 15 (insist on Group Owner); Peer1.Connect can override it per call."},
			{Name: "Capabilities", Type: "a{sv}", Doc: `What the radio can do for P2P: "bands" (as: "2.4ghz", "5ghz", "6ghz"), "frequencies" (au, MHz, the channels usable for a group), "max_groups" (u, how many groups can run at once), "p2p_device" (b, the driver has a dedicated P2P-Device interface), "interface_combinations" (aa{sv}: each with "limits" (a(uas): at most N interfaces of these types), "max_interfaces" (u) and "channels" (u, different channels at once)).`},
			{Name: "Availability", Type: "s", Doc: `Whether P2P is usable here, and if not why: "available", "disabled" (Enabled is false), "rfkill-blocked", "not-supported" (the driver lacks the P2P interface types), "in-use" (another program, usually wpa_supplicant, drives P2P on this radio), "no-channels" (regulatory rules leave no usable channel), "concurrency-limit" (other interfaces use up the radio's interface combinations), "error".`},
			{Name: "AvailabilityDetail", Type: "s", Doc: "Availability in words, for people (may be empty): what holds the radio."},
			{Name: "Radio", Type: "a{sv}", Doc: `What uses the radio now, as the arbiter sees it: "interfaces" (aa{sv}: each with "name" (s, "" for a P2P Device), "type" (s: "station", "ap", "p2p-client", "p2p-go", "p2p-device"), "frequency" (u, its operating channel, 0 when none), "ours" (b, created by this service), "manager" (s, the program managing it when known: "NetworkManager", "iwd", "wpa_supplicant")), "channels" (u, how many channels the radio can use at once), "frequencies_in_use" (au), "allowed_frequencies" (au, the channels a new group could use now), "groups_available" (u, how many more groups could start now), "rfkill" (s: "unblocked", "soft-blocked" or "hard-blocked").`},
		},
	}
}

func peerSpec() interfaceSpec {
	return interfaceSpec{
		Name:  ifacePeer,
		Short: "A P2P Device heard by a device",
		Doc:   `Object path: /org/freedesktop/WiFiP2P/phy0/peers/aa_bb_cc_dd_ee_ff (its P2P Device Address). Strings heard over the air are valid UTF-8 with control characters replaced by U+FFFD. Signal and LastSeen are batched: their changes are signalled at most once a second.`,
		Methods: []methodSpec{
			{
				Name: "Connect",
				In:   []argSpec{{"options", "a{sv}", "Options, all optional:"}},
				Out:  []argSpec{{"group", "o", "The group formed with the peer."}},
				Options: []optionSpec{
					{"method", "s", `The WPS method, from this device's point of view: "pbc" (push button, the default), "pin-display" (this device shows a PIN, the peer enters it), "pin-keypad" (this device enters the PIN the peer shows) or "auto" (choose from the peer's ConfigMethods).`},
					{"pin", "s", `The PIN, 4 or 8 digits: for "pin-display" the PIN to use (without it the service generates one and gives it to the agent's DisplayPin), for "pin-keypad" the PIN the peer shows (without it the service asks the agent's RequestPin). Not with "pbc".`},
					{"go_intent", "u", "The GO Intent for this connection, 0 (prefer client) to 15 (insist on Group Owner). Not with join."},
					{"join", "b", "Join the group the peer runs as Group Owner (see IsGroupOwner) instead of negotiating."},
					{"persistent", "b", "Ask for a persistent group. Not with join."},
					{"frequency", "u", "Preferred operating channel, MHz (2412 to 7125): our Operating Channel preference in the GO Negotiation. A channel the radio cannot use beside what uses it now is a ConcurrencyConflict. Not with join."},
					{"force_frequency", "b", "Offer only frequency in the GO Negotiation: a peer that cannot use it fails the negotiation with NoCommonChannel (P2P Status 7). Needs frequency."},
					{"bind", "s", `"client" (default): leave the group when the calling client leaves the bus; "none": stay until Group1.Leave.`},
				},
				Doc:    "Forms a group with the peer (GO Negotiation, or joining its group), provisions it with WPS and configures IP, and replies with the group once it is up with addresses configured, or with a named error saying why not (the reason also goes to LastError). This can take a minute: call with a timeout of at least 120 seconds. A PIN to show goes to the registered agent, never into a signal or property. The radio's arbiter decides the channels offered: on a radio that runs one channel at a time while a station on it is connected, only the station's channel (a peer that cannot use it fails with NoCommonChannel); joining a group on another channel is a ConcurrencyConflict unless the conflict policy lets the station yield. Device1.PlanGroup tells beforehand.",
				Errors: errs("NotFound", "NotReady", "NotSupported", "InProgress", "Rejected", "Timeout", "Aborted", "NoCommonChannel", "ConcurrencyConflict", "PeerUnreachable", "IncorrectPin", "Failed"),
				Action: ActionConnect,
			},
			{
				Name:   "Disconnect",
				Doc:    "Cancels a Connect or Provision Discovery in progress with the peer and ends every group shared with it (as client: leave; as Group Owner: remove the peer).",
				Errors: []string{"NotFound", "PermissionDenied", "Busy", "Failed"},
				Action: ActionConnect,
			},
			{
				Name:   "ProvisionDiscovery",
				In:     []argSpec{{"method", "s", `"pbc", "pin-display" or "pin-keypad": the method to announce, from this device's point of view.`}},
				Doc:    "Sends a Provision Discovery Request, which makes the peer show its user the coming connection, and replies when the peer answered.",
				Errors: errs("NotFound", "NotReady", "Rejected", "Timeout", "PeerUnreachable", "InProgress", "Failed"),
				Action: ActionConnect,
			},
		},
		Properties: []propertySpec{
			{Name: "Name", Type: "s", Doc: "The peer's P2P Device Name."},
			{Name: "Address", Type: "s", Emits: "const", Doc: `The P2P Device Address, "aa:bb:cc:dd:ee:ff".`},
			{Name: "PrimaryDeviceType", Type: "ay", Doc: "The WSC Primary Device Type, 8 octets."},
			{Name: "DeviceCategory", Type: "s", Doc: `The category of the primary device type in words: "computer", "input", "printer", "camera", "storage", "network-infrastructure", "display", "multimedia", "gaming", "telephone", "audio", "docking", "other", or "unknown".`},
			{Name: "SecondaryDeviceTypes", Type: "aay", Doc: "The WSC Secondary Device Types, 8 octets each."},
			{Name: "ConfigMethods", Type: "as", Doc: `The peer's WSC Config Methods, in the peer's terms: "usba", "ethernet", "label", "display", "external-nfc-token", "integrated-nfc-token", "nfc-interface", "push-button", "keypad", "virtual-push-button", "physical-push-button", "p2ps", "virtual-display", "physical-display". A peer with "display" can show a PIN (connect with "pin-keypad"), one with "keypad" can enter one (connect with "pin-display").`},
			{Name: "DeviceCapability", Type: "as", Doc: `The peer's Device Capability (Wi-Fi P2P v1.7, Table 12): "service-discovery", "client-discoverability", "concurrent-operation", "infrastructure-managed", "device-limit", "invitation-procedure", "6ghz-band".`},
			{Name: "GroupCapability", Type: "as", Doc: `The peer's Group Capability (Wi-Fi P2P v1.7, Table 13): "group-owner", "persistent-group", "group-limit", "intra-bss-distribution", "cross-connection", "persistent-reconnect", "group-formation", "ip-address-allocation".`},
			{Name: "IsGroupOwner", Type: "b", Doc: "Whether the peer runs a group as Group Owner now (Connect with join to join it)."},
			{Name: "Manufacturer", Type: "s", Doc: "WSC Manufacturer (may be empty)."},
			{Name: "Model", Type: "s", Doc: "WSC Model Name (may be empty)."},
			{Name: "ModelNumber", Type: "s", Doc: "WSC Model Number (may be empty)."},
			{Name: "SerialNumber", Type: "s", Doc: "WSC Serial Number (may be empty)."},
			{Name: "Signal", Type: "n", Noisy: true, Doc: "Strength of the last frame heard from the peer, dBm."},
			{Name: "LastSeen", Type: "x", Noisy: true, Doc: "When the peer was last heard, UNIX time in milliseconds."},
			{Name: "WFD", Type: "a{sv}", Doc: `Wi-Fi Display information, empty without a WFD IE: "device_type" (s: "source", "primary-sink", "secondary-sink", "dual-role"), "session_available" (b), "content_protection" (b), "rtsp_port" (q), "max_throughput" (q, Mbps), "subelements" (ay, the raw WFD subelements).`},
			{Name: "Connected", Type: "b", Doc: "Whether the peer is in a group with this device."},
			{Name: "Groups", Type: "ao", Doc: "The groups this device shares with the peer."},
			{Name: "LastError", Type: "(ss)", Doc: `Why the last operation with the peer failed: an error name (org.freedesktop.WiFiP2P.Error.*) and a message; ("", "") when none did.`},
		},
	}
}

func groupSpec() interfaceSpec {
	return interfaceSpec{
		Name:  ifaceGroup,
		Short: "A group this device is in",
		Doc:   `Object path: /org/freedesktop/WiFiP2P/phy0/groups/N. The group's passphrase is never in a property or a signal.`,
		Methods: []methodSpec{
			{
				Name:   "Leave",
				Doc:    "Ends the group (as Group Owner) or leaves it (as client).",
				Errors: []string{"NotFound", "PermissionDenied", "Busy", "Failed"},
				Action: ActionManageGroups,
			},
			{
				Name: "AllowJoin",
				In:   []argSpec{{"options", "a{sv}", "Options, all optional:"}},
				Options: []optionSpec{
					{"method", "s", `"pbc" (default), "pin-display" (this device shows the PIN: the given pin, or one the service generates and gives to the agent) or "pin-keypad" (the joining device shows the PIN: the given pin, or one asked from the agent).`},
					{"pin", "s", "The PIN, 4 or 8 digits. Not with pbc."},
					{"peer", "o", "Only let this peer (a Peer1 object of this device) join."},
					{"timeout", "u", "Seconds WPS stays open, 1 to 600 (default 120, the WPS Walk Time)."},
				},
				Doc:    "On a group where this device is Group Owner, opens WPS for a new client and replies when it is open.",
				Errors: errs("NotFound", "NotSupported", "InProgress", "Failed"),
				Action: ActionManageGroups,
			},
		},
		Properties: []propertySpec{
			{Name: "Role", Type: "s", Emits: "const", Doc: `This device's role: "go" or "client".`},
			{Name: "SSID", Type: "ay", Emits: "const", Doc: "The group's SSID (DIRECT-xy...)."},
			{Name: "BSSID", Type: "s", Emits: "const", Doc: "The Group Owner's P2P Interface Address."},
			{Name: "Frequency", Type: "u", Doc: "The operating channel, MHz."},
			{Name: "Interface", Type: "s", Emits: "const", Doc: "The network interface of the group."},
			{Name: "Persistent", Type: "b", Emits: "const", Doc: "Whether the group is persistent."},
			{Name: "Members", Type: "ao", Doc: "The peers in the group: the clients when this device is Group Owner, the Group Owner when it is a client."},
			{Name: "GroupOwner", Type: "o", Doc: "The Group Owner: this device's Device1 object when it is Group Owner, else the Peer1 object of the Group Owner (\"/\" when unknown)."},
			{Name: "Addresses", Type: "a{sv}", Doc: `IP configuration: "local" (as, this device's addresses on Interface, CIDR), "group_owner" (s, the Group Owner's IPv4 address), "members" (a{os}, the address the Group Owner gave each client, when this device is Group Owner).`},
		},
	}
}

func agentSpec() interfaceSpec {
	return interfaceSpec{
		Name:  ifaceAgent,
		Short: "Implemented by applications",
		Doc:   `An application that accepts connections for the user (the desktop shell, a Miracast sink) implements this interface on an object of its own and registers it with Manager1.RegisterAgent. The service calls it with a timeout (60 seconds unless the request needs a faster answer). To refuse, reply with an error (org.freedesktop.WiFiP2P.Error.Rejected).`,
		Methods: []methodSpec{
			{
				Name: "RequestAuthorization",
				In: []argSpec{
					{"peer", "o", "The Peer1 object of the requesting peer."},
					{"request", "s", `What the peer asks: "negotiation" (GO Negotiation), "invitation" (to a group), "join" (to join our group) or "provision" (Provision Discovery).`},
					{"method", "s", `The WPS method this device would use: "pbc", "pin-display" or "pin-keypad".`},
				},
				Doc: "Asks whether to accept an incoming request. A normal reply accepts it; an error refuses it.",
			},
			{
				Name: "DisplayPin",
				In: []argSpec{
					{"peer", "o", `The peer that will enter the PIN, or "/" when any peer may (Group1.AllowJoin without a peer).`},
					{"pin", "s", "The PIN to show, 4 or 8 digits."},
				},
				Doc: "Asks the agent to show a PIN that the user enters on the peer.",
			},
			{
				Name: "RequestPin",
				In:   []argSpec{{"peer", "o", `The peer that shows the PIN, or "/" when not known yet.`}},
				Out:  []argSpec{{"pin", "s", "The PIN the user typed, 4 or 8 digits."}},
				Doc:  "Asks the agent for the PIN the peer shows.",
			},
			{
				Name: "RequestConcurrency",
				In: []argSpec{
					{"device", "o", "The Device1 object of the radio."},
					{"interface", "s", "The station's network interface that would disconnect while the group runs (its manager reconnects it when the group ends)."},
					{"detail", "s", "The conflict in words, for the user."},
				},
				Doc: `Asks whether the station may disconnect for a group's lifetime, when the radio cannot run both (the configuration's conflict policy is "ask"). A normal reply lets the station yield; an error refuses, and the call that wanted the group fails with ConcurrencyConflict.`,
			},
			{
				Name: "Cancel",
				In:   []argSpec{{"peer", "o", "The peer the request was about."}},
				Doc:  "The request about this peer is no longer needed (the peer gave up or timed out): close its dialog.",
			},
			{
				Name: "Release",
				Doc:  "The service unregistered the agent (it is stopping). The agent need not unregister.",
			},
		},
	}
}

// standardSpec returns the org.freedesktop.DBus interfaces the objects
// implement, for the live introspection (not part of the documented file).
func standardSpec() map[string]interfaceSpec {
	return map[string]interfaceSpec{
		ifaceIntrospect: {Name: ifaceIntrospect, Methods: []methodSpec{
			{Name: "Introspect", Out: []argSpec{{"xml_data", "s", ""}}},
		}},
		ifacePeerStd: {Name: ifacePeerStd, Methods: []methodSpec{
			{Name: "Ping"},
			{Name: "GetMachineId", Out: []argSpec{{"machine_uuid", "s", ""}}},
		}},
		ifaceProperties: {Name: ifaceProperties,
			Methods: []methodSpec{
				{Name: "Get", In: []argSpec{{"interface_name", "s", ""}, {"property_name", "s", ""}}, Out: []argSpec{{"value", "v", ""}}},
				{Name: "GetAll", In: []argSpec{{"interface_name", "s", ""}}, Out: []argSpec{{"props", "a{sv}", ""}}},
				{Name: "Set", In: []argSpec{{"interface_name", "s", ""}, {"property_name", "s", ""}, {"value", "v", ""}}},
			},
			Signals: []signalSpec{{Name: "PropertiesChanged", Args: []argSpec{
				{"interface_name", "s", ""}, {"changed_properties", "a{sv}", ""}, {"invalidated_properties", "as", ""}}}},
		},
		ifaceObjectManager: {Name: ifaceObjectManager,
			Methods: []methodSpec{
				{Name: "GetManagedObjects", Out: []argSpec{{"objects", "a{oa{sa{sv}}}", ""}}},
			},
			Signals: []signalSpec{
				{Name: "InterfacesAdded", Args: []argSpec{{"object_path", "o", ""}, {"interfaces_and_properties", "a{sa{sv}}", ""}}},
				{Name: "InterfacesRemoved", Args: []argSpec{{"object_path", "o", ""}, {"interfaces", "as", ""}}},
			},
		},
	}
}
