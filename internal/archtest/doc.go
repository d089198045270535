// Package archtest holds the test that keeps the project's dependency
// arrows pointing one way (see README.md, "Layout"). It has no code.
package archtest
