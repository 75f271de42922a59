package pipeline

// Row is one data row of the input, normalized.
type Row struct {
	// Num is the 1-based number of the data row: the Nth record after the
	// header that is not blank (blank lines and records whose cells are all
	// empty are skipped and not numbered).
	Num int
	// Line is the input's line number where the record starts (1-based, header
	// is line 1), for messages.
	Line int
	// User is who requests are for: the userId when set, in the canonical
	// form of an object id (lower-case 8-4-4-4-12, without braces) once it
	// reads as one, else the userPrincipalName as given (trimmed). Result
	// lines carry the user as given instead (givenUser); rows of one user
	// share userIdentity.
	User string
	// UserPrincipalName and UserID are the row's two user cells as given
	// (trimmed; "" for a cell too long to hold): export's snapshot writes
	// them back as they were.
	UserPrincipalName, UserID string
	// Phones holds the normalized numbers in Graph's form ("+1 2065550100x123");
	// "" where the row has none.
	Phones Phones[string]
	// mobile is the row's mobile in Graph's form whenever its cell reads as
	// a number, even on a row invalid for it (an extension on a mobile):
	// validate compares it across users (see readMobile).
	mobile string
	// Key fingerprints the normalized row (user and phones; with
	// InputOptions.UsersOnly the user alone): resume redoes a row whose key
	// changed.
	Key string
	// Replaced holds the numbers an earlier run of this row replaced, from
	// the previous cell of its line, when the row runs again (that run
	// stopped before the row finished, or a later step failed): a step that
	// finds the row's number already in place records it as updated, with
	// the number it replaced, so that undo can still put it back.
	Replaced Phones[string]
	// Invalid is why the row cannot be run, in words an admin can act on; ""
	// for a valid row. An invalid row still has Num, Line, User (if any) and Key.
	Invalid string
	// Notes are warnings a --from preset's rules left on the row (a backup
	// phone skipped, an extension dropped), in words an admin can act on and
	// without a number: run logs them, validate prints them.
	Notes []string
}
