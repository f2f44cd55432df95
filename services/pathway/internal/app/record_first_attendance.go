package app

import (
	"context"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/stafett/stafett/pkg/errs"
	"github.com/stafett/stafett/services/pathway/internal/domain"
)

// RecordFirstAttendance records the first attendance.
type RecordFirstAttendance struct {
	Caller     Caller
	RequestID  string
	PathwayID  string
	AttendedAt *time.Time
}

// RecordFirstAttendance records the patient's first attendance.
func (a *App) RecordFirstAttendance(ctx context.Context, in RecordFirstAttendance) (domain.Pathway, error) {
	var v errs.Validation
	validateCommand(&v, in.RequestID, in.PathwayID)
	if in.AttendedAt == nil {
		v.Add("attended_at", "is required")
	}
	if err := v.Err(); err != nil {
		return domain.Pathway{}, err
	}
	return a.execute(ctx, in.Caller.Actor, in.PathwayID, in.RequestID, func(p domain.Pathway) ([]proto.Message, error) {
		return domain.DecideFirstAttendance(p, domain.RecordFirstAttendance{By: in.Caller.Actor, AttendedAt: *in.AttendedAt, At: a.clock.Now()}, a.policy)
	})
}
