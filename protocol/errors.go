package protocol

import "errors"

// Reasons a request is refused (the connection is closed, as Kafka does).
var (
	errUnknownAPI             = errors.New("protocol: unsupported API key")
	errUnsupportedVersion     = errors.New("protocol: unsupported API version")
	errMalformed              = errors.New("protocol: malformed request")
	errApiVersionsUnsupported = errors.New("protocol: ApiVersions version not supported (KIP-511 answer)")
)
