package natsembed

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"

	"github.com/nats-io/nats-server/v2/server"
)

// Isolate cuts a clustered server off from its peers, as a network
// partition would, while it keeps running and keeps the clients connected
// to it: it drops the routes it dialled and, by requiring route credentials
// no peer has, refuses theirs. Rejoin heals it. For chaos tests.
func (s *Server) Isolate() error {
	if s.opts.Cluster.Port == 0 {
		return errors.New("natsembed: isolate: not clustered")
	}
	secret := make([]byte, 16)
	if _, err := rand.Read(secret); err != nil {
		return fmt.Errorf("natsembed: isolate: %w", err)
	}
	o := s.opts.Clone()
	o.Routes = nil
	o.Cluster.Username, o.Cluster.Password = "isolated", hex.EncodeToString(secret)
	if err := s.ns.ReloadOptions(o); err != nil {
		return fmt.Errorf("natsembed: isolate: %w", err)
	}
	return nil
}

// Rejoin restores the routes Isolate cut; the peers reconnect.
func (s *Server) Rejoin() error {
	if err := s.ns.ReloadOptions(s.opts.Clone()); err != nil {
		return fmt.Errorf("natsembed: rejoin: %w", err)
	}
	return nil
}

// RoutedPeers are the names of the servers this one has a route to now.
func (s *Server) RoutedPeers() []string {
	rz, err := s.ns.Routez(&server.RoutezOptions{})
	if err != nil {
		return nil
	}
	var names []string
	for _, r := range rz.Routes {
		if !slices.Contains(names, r.RemoteName) {
			names = append(names, r.RemoteName)
		}
	}
	slices.Sort(names)
	return names
}
