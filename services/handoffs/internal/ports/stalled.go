package ports

import (
	"context"

	"github.com/stafett/stafett/pkg/ids"
	handoffsv1 "github.com/stafett/stafett/proto/stafett/handoffs/v1"
)

func (s *Server) ListStalledPathways(ctx context.Context, req *handoffsv1.ListStalledPathwaysRequest) (*handoffsv1.ListStalledPathwaysResponse, error) {
	c, err := s.caller(ctx)
	if err != nil {
		return nil, err
	}
	return s.app.ListStalledPathways(ctx, c, ids.UnitFromRef(req.GetUnit()))
}
