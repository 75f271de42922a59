// Package phone reads phone numbers as github.com/nyaruka/phonenumbers
// (a Go port of Google's libphonenumber) does, and writes them in Graph's
// form ("+1 2065550100x123"): Normalize, with Options for numbers written
// without a country code, and Error, whose message never repeats the
// number.
//
// What lives here is a port of the library's parsing: the scan of what
// people type (punctuation, wide digits, extensions), a fast path
// (fastParse) that follows the library's parse and validity steps over
// the library's own metadata, and a compiler from the metadata's regular
// expressions to DFAs over the digits, which the fast path matches with.
// Numbers the fast path does not decide go to the library itself.
//
// The library is the oracle: the tests check the fast path against
// phonenumbers.Parse and IsValidNumber on tens of thousands of generated
// numbers, Normalize against the library on raw text, and every DFA
// against package regexp on the metadata's patterns; FuzzNormalize does
// the same on arbitrary input. An upgrade of the library (new metadata or
// new parsing) is checked by running them: go test ./pipeline/internal/phone
// (and make fuzz).
//
// What does not live here: masking numbers for logs and result files
// (pipeline.MaskPhone), reading CSV input (pipeline.ReadRows) and talking
// to Graph (package graphclient).
package phone
