package pipeline

// task is a row on its way to a worker.
type task struct {
	row  Row
	user string // the key rows of one user share (the user, lower-cased)
	// prior is 1 + the index of the earlier run's line with this row's key,
	// which this run replaces; 0 for none.
	prior int
}

// userQueue orders rows so that rows of one user never run at the same time
// and run in input order: a row whose user is busy waits behind the one
// running until it is done. It holds at most limit rows waiting or ready (see
// full). Not safe for concurrent use: the scheduler owns it.
type userQueue struct {
	busy    map[string][]task // user with a row running or ready → rows waiting behind it
	ready   []task            // rows whose user is free, in input order
	waiting int               // rows in busy's lists
	limit   int
}

func newUserQueue(limit int) *userQueue {
	return &userQueue{busy: map[string][]task{}, limit: limit}
}

// add queues t: ready when its user is free, else behind the user's rows.
func (q *userQueue) add(t task) {
	if w, ok := q.busy[t.user]; ok {
		q.busy[t.user] = append(w, t)
		q.waiting++
		return
	}
	q.busy[t.user] = nil
	q.ready = append(q.ready, t)
}

// full reports whether the queue holds its limit of rows: take no more until
// some are handed out.
func (q *userQueue) full() bool { return len(q.ready)+q.waiting >= q.limit }

// idle reports whether no row is ready, waiting or running.
func (q *userQueue) idle() bool { return len(q.ready) == 0 && len(q.busy) == 0 }

// next returns the row to hand out next, if any; pop removes it once handed
// out.
func (q *userQueue) next() (task, bool) {
	if len(q.ready) == 0 {
		return task{}, false
	}
	return q.ready[0], true
}

func (q *userQueue) pop() {
	q.ready[0] = task{}
	q.ready = q.ready[1:]
}

// finish records that user's running row is done: the user's next waiting row,
// if any, becomes ready.
func (q *userQueue) finish(user string) {
	w := q.busy[user]
	if len(w) == 0 {
		delete(q.busy, user)
		return
	}
	q.ready = append(q.ready, w[0])
	q.busy[user] = w[1:]
	q.waiting--
}

// drop forgets every row not handed out yet; the rows running stay, so that
// finish still works for them. Dropped rows have no line in the result file:
// a resumed run does them.
func (q *userQueue) drop() {
	for _, t := range q.ready {
		delete(q.busy, t.user)
	}
	q.ready = nil
	for u := range q.busy {
		q.busy[u] = nil
	}
	q.waiting = 0
}
