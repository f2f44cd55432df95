package handoffs

import (
	"context"
	"fmt"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/stafett/stafett/pkg/telemetry/opsmetrics"
	"github.com/stafett/stafett/services/handoffs/internal/domain"
)

// ObserveMetrics reports two gauges over the views on every collection, per
// unit (HER-id): patients currently left without a named person, and pathway
// milestones currently past their target and not reached. They count a
// unit's patients and never name one. Unregister the returned registration
// when the service stops.
//
// Each collection walks the patients once under the views' read lock: a
// few milliseconds per hundred thousand patients, once a collection interval.
func (s *Service) ObserveMetrics(m metric.Meter) (metric.Registration, error) {
	alone, err := m.Int64ObservableGauge("stafett.patients.without_contact", metric.WithUnit("{patient}"),
		metric.WithDescription("Patients whose last key relationship ended with no completed handoff and who have no named person yet, by unit."))
	if err != nil {
		return nil, fmt.Errorf("handoffs: metrics: %w", err)
	}
	overdue, err := m.Int64ObservableGauge("stafett.pathways.milestones_overdue", metric.WithUnit("{milestone}"),
		metric.WithDescription("Milestones of active pathways past their target date and not reached, by unit."))
	if err != nil {
		return nil, fmt.Errorf("handoffs: metrics: %w", err)
	}
	reg, err := m.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		aloneBy, overdueBy := map[string]int64{}, map[string]int64{}
		s.proj.Read(func(v *domain.View) {
			herID := func(unit domain.Ref) string { return domain.ParseUnitKey(v.In.Str(unit)).HerID }
			for _, p := range v.Patients {
				if p.Alone != nil {
					aloneBy[herID(p.Alone.Unit)]++
				}
				for _, pw := range p.Pathways {
					if !pw.Active {
						continue
					}
					for _, t := range pw.Targets {
						if t.Overdue && !t.Reached {
							overdueBy[herID(pw.Unit)]++
						}
					}
				}
			}
		})
		for unit, n := range aloneBy {
			o.ObserveInt64(alone, n, metric.WithAttributes(unitAttr(unit)))
		}
		for unit, n := range overdueBy {
			o.ObserveInt64(overdue, n, metric.WithAttributes(unitAttr(unit)))
		}
		return nil
	}, alone, overdue)
	if err != nil {
		return nil, fmt.Errorf("handoffs: metrics: %w", err)
	}
	return reg, nil
}

func unitAttr(herID string) attribute.KeyValue {
	if herID == "" {
		herID = "unknown"
	}
	return opsmetrics.UnitKey.String(herID)
}
