package graphclient

import (
	"regexp"
	"strconv"
)

// answerRe matches an answer of Graph the way Summary and StatusOf write it
// into a text: a 4xx or 5xx status standing as a word, then perhaps Graph's
// code, ended by the end of the text, ':', ']' or ')'.
var answerRe = regexp.MustCompile(`(?:^|[\s(\[])([45]\d\d)(?: ([A-Za-z][A-Za-z0-9_.]*))?(?:$|[:\])])`)

// FindAnswer finds, in a text that quotes one of Graph's answers the way
// Summary and StatusOf write them ("mobile: 403 Authorization_RequestDenied:
// …", "… [403 notAllowedByPolicy]", "user not found (404
// Request_ResourceNotFound)", "503: …"), the first such answer's HTTP status
// and Graph's error code; code is "" when the answer had none. ok is false
// when the text quotes no answer (a transport failure, a conflict phonereg
// found itself). It reads what this package wrote, for the result file's
// readers: `phonereg report` groups errors by it.
func FindAnswer(text string) (status int, code string, ok bool) {
	m := answerRe.FindStringSubmatch(text)
	if m == nil {
		return 0, "", false
	}
	status, _ = strconv.Atoi(m[1])
	return status, m[2], true
}
