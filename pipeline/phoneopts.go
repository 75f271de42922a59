package pipeline

import "github.com/phonereg/phonereg/pipeline/internal/phone"

// PhoneOptions says how phone numbers written without a country code are
// read (InputOptions.Phone).
type PhoneOptions = phone.Options

// CheckRegion reports whether region is a default region phone numbers
// can be read with, as an error naming the problem (never a number).
func CheckRegion(region string) error { return phone.CheckRegion(region) }
