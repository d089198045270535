// Package policy is where the configurable rules the coordinator applies
// will live: how conflicts over a radio are decided, and which peers are
// trusted or blocked. It has no code yet; the coordinator's arbiter makes
// its decisions with fixed rules today.
package policy
