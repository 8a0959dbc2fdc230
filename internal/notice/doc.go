// Package notice keeps the platform's notices (站内信): messages to one user
// about a record, read in the console in the reader's language, and handed
// to a Sender (SMS, mail; LogSender writes them to the log) as they are
// made. A failed delivery is recorded on its notice and never holds up the
// work that caused it.
//
// Sharing reminds those concerned of applications. It watches the sharing
// service's moves, so that sharing knows nothing of notices: the applicant
// hears of each step, the approvers of the next step that work awaits them;
// Check, run periodically, reminds the approvers of a step nearing its
// time limit and again when it is overdue, once each.
//
//	notices := notice.NewService(db)
//	notices.Sender = notice.LogSender{Log: log}
//	w := &notice.Sharing{Notices: notices, Sharing: sharingSvc}
//	sharingSvc.Watchers = append(sharingSvc.Watchers, w)
//	n, err := w.Check(ctx) // on a ticker
//
// Nobody reads another's notices, and the three officers (三员) get none:
// they take no part in moving data.
package notice
