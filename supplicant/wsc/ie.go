package wsc

import (
	"fmt"

	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
)

// IEPayload gathers the WSC IE content (the attributes after OUI 00:50:F2
// and OUI type 4) from the elements of a management frame; the IE may be
// split over several consecutive vendor-specific elements (WSC 2.0.x, 8).
// found reports whether any WSC element was present.
func IEPayload(elems []ieee80211.Element) (payload []byte, found bool) {
	return ieee80211.VendorPayload(elems, ieee80211.OUIMicrosoft, ieee80211.VendorTypeWSC)
}

// AppendIE encodes c (Beacon, ProbeRequest or ProbeResponse) and appends
// it as one or more vendor-specific elements with OUI 00:50:F2, type 4.
func AppendIE(b []byte, c Container) ([]byte, error) {
	payload, err := c.Append(nil)
	if err != nil {
		return b, err
	}
	return ieee80211.AppendVendor(b, ieee80211.OUIMicrosoft, ieee80211.VendorTypeWSC, payload), nil
}

// DecodeIE gathers the WSC IE from elems and decodes it as T, e.g.
// DecodeIE[ProbeResponse](elems). It fails with ErrMissing when there is
// no WSC IE.
func DecodeIE[T any, PT interface {
	*T
	Container
}](elems []ieee80211.Element) (*T, error) {
	payload, found := IEPayload(elems)
	if !found {
		return nil, fmt.Errorf("%w: no WSC IE", ErrMissing)
	}
	return Decode[T, PT](payload)
}

// Beacon is the content of the WSC IE in a Beacon (WSC 2.0.x, 8,
// "Beacon"; a P2P Group Owner adds Device Name and Primary Device Type,
// as hostap does). Version and Wi-Fi Protected Setup State are mandatory.
// Device Password ID and Selected Registrar Config Methods should be
// present when Selected Registrar is true; that is not enforced.
type Beacon struct {
	WPSState                       WPSState
	APSetupLocked                  *bool
	SelectedRegistrar              *bool
	DevicePasswordID               *DevicePasswordID
	SelectedRegistrarConfigMethods *ConfigMethods
	UUIDE                          *UUID
	RFBands                        *RFBands
	VendorExtensions               []VendorExtension
	ApplicationExtension           []byte // nil when absent
	DeviceName                     *string
	PrimaryDeviceType              *DeviceType
	Wire
}

// MessageType returns MessageTypeBeacon.
func (*Beacon) MessageType() MessageType { return MessageTypeBeacon }

// Append appends the encoded IE content (without element headers) to b.
func (m *Beacon) Append(b []byte) ([]byte, error) { return appendContainer(b, m) }

func (m *Beacon) fields() []field {
	return []field{
		constant(AttrVersion, Version),
		required(AttrWPSState, &m.WPSState, uint8Codec[WPSState]()),
		optional(AttrAPSetupLocked, &m.APSetupLocked, boolCodec()),
		optional(AttrSelectedRegistrar, &m.SelectedRegistrar, boolCodec()),
		optional(AttrDevicePasswordID, &m.DevicePasswordID, uint16Codec[DevicePasswordID]()),
		optional(AttrSelectedRegistrarConfigMethods, &m.SelectedRegistrarConfigMethods, uint16Codec[ConfigMethods]()),
		optional(AttrUUIDE, &m.UUIDE, octetsCodec[UUID]()),
		optional(AttrRFBands, &m.RFBands, uint8Codec[RFBands]()),
		vendorExtensions(&m.VendorExtensions),
		optionalSlice(AttrApplicationExtension, &m.ApplicationExtension, bytesCodec(MaxAttributeValue)),
		optional(AttrDeviceName, &m.DeviceName, textCodec(MaxDeviceNameLen)),
		optional(AttrPrimaryDeviceType, &m.PrimaryDeviceType, deviceTypeCodec()),
	}
}

// ProbeRequest is the content of the WSC IE in a Probe Request (WSC 2.0.x,
// 8.2, "Probe Request"). The attributes of WSC 1.0 are mandatory;
// Manufacturer, Model Name, Model Number and Device Name, which WSC 2.0
// added, are optional so that WSC 1.0 devices still decode.
type ProbeRequest struct {
	RequestType          RequestType
	ConfigMethods        ConfigMethods
	UUIDE                UUID
	PrimaryDeviceType    DeviceType
	RFBands              RFBands
	AssociationState     AssociationState
	ConfigurationError   ConfigError
	DevicePasswordID     DevicePasswordID
	Manufacturer         *string
	ModelName            *string
	ModelNumber          *string
	DeviceName           *string
	VendorExtensions     []VendorExtension
	RequestedDeviceTypes []DeviceType // Requested Device Type, repeated
	SecondaryDeviceTypes []DeviceType // Secondary Device Type List; nil when absent
	Wire
}

// MessageType returns MessageTypeProbeRequest.
func (*ProbeRequest) MessageType() MessageType { return MessageTypeProbeRequest }

// Append appends the encoded IE content (without element headers) to b.
func (m *ProbeRequest) Append(b []byte) ([]byte, error) { return appendContainer(b, m) }

func (m *ProbeRequest) fields() []field {
	return []field{
		constant(AttrVersion, Version),
		required(AttrRequestType, &m.RequestType, uint8Codec[RequestType]()),
		required(AttrConfigMethods, &m.ConfigMethods, uint16Codec[ConfigMethods]()),
		required(AttrUUIDE, &m.UUIDE, octetsCodec[UUID]()),
		required(AttrPrimaryDeviceType, &m.PrimaryDeviceType, deviceTypeCodec()),
		required(AttrRFBands, &m.RFBands, uint8Codec[RFBands]()),
		required(AttrAssociationState, &m.AssociationState, uint16Codec[AssociationState]()),
		required(AttrConfigurationError, &m.ConfigurationError, uint16Codec[ConfigError]()),
		required(AttrDevicePasswordID, &m.DevicePasswordID, uint16Codec[DevicePasswordID]()),
		optional(AttrManufacturer, &m.Manufacturer, textCodec(MaxManufacturerLen)),
		optional(AttrModelName, &m.ModelName, textCodec(MaxModelNameLen)),
		optional(AttrModelNumber, &m.ModelNumber, textCodec(MaxModelNumberLen)),
		optional(AttrDeviceName, &m.DeviceName, textCodec(MaxDeviceNameLen)),
		vendorExtensions(&m.VendorExtensions),
		repeated(AttrRequestedDeviceType, &m.RequestedDeviceTypes, deviceTypeCodec(), false),
		optionalSlice(AttrSecondaryDeviceTypeList, &m.SecondaryDeviceTypes, deviceTypeListCodec()),
	}
}

// ProbeResponse is the content of the WSC IE in a Probe Response (WSC
// 2.0.x, 8.2, "Probe Response"), from an AP, a P2P Group Owner or a P2P
// Device (hostap's p2p_build_wps_ie puts Device Password ID before
// Response Type; Order keeps whatever order the sender used).
type ProbeResponse struct {
	WPSState                       WPSState
	APSetupLocked                  *bool
	SelectedRegistrar              *bool
	DevicePasswordID               *DevicePasswordID
	SelectedRegistrarConfigMethods *ConfigMethods
	ResponseType                   ResponseType
	UUIDE                          UUID
	Manufacturer                   string
	ModelName                      string
	ModelNumber                    string
	SerialNumber                   string
	PrimaryDeviceType              DeviceType
	DeviceName                     string
	ConfigMethods                  ConfigMethods
	RFBands                        *RFBands
	VendorExtensions               []VendorExtension
	SecondaryDeviceTypes           []DeviceType // Secondary Device Type List; nil when absent
	ApplicationExtension           []byte       // nil when absent
	Wire
}

// MessageType returns MessageTypeProbeResponse.
func (*ProbeResponse) MessageType() MessageType { return MessageTypeProbeResponse }

// Append appends the encoded IE content (without element headers) to b.
func (m *ProbeResponse) Append(b []byte) ([]byte, error) { return appendContainer(b, m) }

func (m *ProbeResponse) fields() []field {
	return []field{
		constant(AttrVersion, Version),
		required(AttrWPSState, &m.WPSState, uint8Codec[WPSState]()),
		optional(AttrAPSetupLocked, &m.APSetupLocked, boolCodec()),
		optional(AttrSelectedRegistrar, &m.SelectedRegistrar, boolCodec()),
		optional(AttrDevicePasswordID, &m.DevicePasswordID, uint16Codec[DevicePasswordID]()),
		optional(AttrSelectedRegistrarConfigMethods, &m.SelectedRegistrarConfigMethods, uint16Codec[ConfigMethods]()),
		required(AttrResponseType, &m.ResponseType, uint8Codec[ResponseType]()),
		required(AttrUUIDE, &m.UUIDE, octetsCodec[UUID]()),
		required(AttrManufacturer, &m.Manufacturer, textCodec(MaxManufacturerLen)),
		required(AttrModelName, &m.ModelName, textCodec(MaxModelNameLen)),
		required(AttrModelNumber, &m.ModelNumber, textCodec(MaxModelNumberLen)),
		required(AttrSerialNumber, &m.SerialNumber, textCodec(MaxSerialNumberLen)),
		required(AttrPrimaryDeviceType, &m.PrimaryDeviceType, deviceTypeCodec()),
		required(AttrDeviceName, &m.DeviceName, textCodec(MaxDeviceNameLen)),
		required(AttrConfigMethods, &m.ConfigMethods, uint16Codec[ConfigMethods]()),
		optional(AttrRFBands, &m.RFBands, uint8Codec[RFBands]()),
		vendorExtensions(&m.VendorExtensions),
		optionalSlice(AttrSecondaryDeviceTypeList, &m.SecondaryDeviceTypes, deviceTypeListCodec()),
		optionalSlice(AttrApplicationExtension, &m.ApplicationExtension, bytesCodec(MaxAttributeValue)),
	}
}
