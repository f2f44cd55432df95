package domain

// SameReceipt reports whether cmd asks for exactly the referral r was
// received as: the same sender, identifiers, patient, referrer, addressed
// unit, reason and urgency. A retry of the same request is; a different
// request under a reused identifier is not, and must not be answered with
// a referral it did not ask for. Forwarding does not make a retry
// different: the unit compared is the one the sender addressed.
func (r Referral) SameReceipt(cmd Receive) bool {
	return r.SenderOrgNumber == cmd.SenderOrgNumber &&
		r.ExternalID == cmd.ExternalID &&
		r.PatientNationalID == cmd.PatientNationalID &&
		r.ReferrerHPR == cmd.ReferrerHPR &&
		r.ReferrerOrgNumber == cmd.ReferrerOrgNumber &&
		r.AddressedUnit() == cmd.Unit &&
		r.Reason == cmd.Reason &&
		r.Urgency == cmd.Urgency &&
		r.Internal == cmd.Internal
}

// AddressedUnit is the unit the sender addressed the referral to, wherever
// forwarding has taken it since.
func (r Referral) AddressedUnit() Unit {
	if len(r.Forwardings) > 0 {
		return r.Forwardings[0].From
	}
	return r.Unit
}
