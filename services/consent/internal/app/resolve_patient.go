package app

import (
	"errors"

	"github.com/stafett/stafett/pkg/errs"
	"github.com/stafett/stafett/pkg/ids"
)

// ResolvePatient turns a national id into the patient's pseudonym. It is a
// pure function of the number and the key: it says nothing about whether the
// person is known here.
func (a *App) ResolvePatient(nationalID string) (string, error) {
	nid, err := ids.ParseNationalID(nationalID)
	if err != nil {
		var ie *ids.InvalidError
		reason := "is not a valid national id"
		if errors.As(err, &ie) {
			reason = ie.Reason
		}
		return "", errs.Invalid("national_id", reason)
	}
	return a.pseudonyms.PatientID(nid), nil
}
