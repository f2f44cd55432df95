package ids

// ValidateOrgNumber accepts exactly 9 ASCII digits whose last digit is the
// mod-11 check digit of the first eight (weights 3 2 7 6 5 4 3 2). It does
// not ask the Central Coordinating Register whether the organisation exists.
func ValidateOrgNumber(s string) error {
	if len(s) != 9 || !allDigits(s) {
		return invalid(KindOrgNumber, "must be 9 digits")
	}
	c := mod11(s, []int{3, 2, 7, 6, 5, 4, 3, 2})
	if c < 0 || c != int(s[8]-'0') {
		return invalid(KindOrgNumber, "check digit does not match")
	}
	return nil
}
