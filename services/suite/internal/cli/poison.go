package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

	"github.com/stafett/stafett/pkg/authn"
	subscriptionsv1 "github.com/stafett/stafett/proto/stafett/subscriptions/v1"
)

const poisonUsage = `usage: stafett poison list [flags]
       stafett poison replay [flags] ID

The poison queue holds the commits no notification could be built from.
list shows them (oldest first); replay builds the notifications of one
again and, when that works, queues them and drops the entry.

flags:
`

// runPoison is the operators' client of SubscriptionAdminService.
func runPoison(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("poison", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, poisonUsage)
		fs.PrintDefaults()
	}
	addr := fs.String("grpc-addr", envDefault("grpc-addr", "127.0.0.1:7000"), "the suite's gRPC address")
	tokenFlag := fs.String("token", envDefault("token", ""), "an operator's bearer token (ops role, subscriptions:read and :write)")
	dataDir := fs.String("data-dir", envDefault("data-dir", defaultDataDir), "without --token: sign an operator's token with this data dir's key (stafett dev)")
	org := fs.String("org", envDefault("org", ""), "without --token: the operator's organisation number")
	if len(args) == 0 {
		fs.Usage()
		return flag.ErrHelp
	}
	verb := args[0]
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	tok := *tokenFlag
	if tok == "" {
		if *org == "" {
			return errors.New("give --token, or --org to sign an operator's token with the dev data dir's key")
		}
		signer, err := authn.LoadOrCreateSigner(*dataDir)
		if err != nil {
			return err
		}
		if tok, err = signer.Mint(authn.TokenSpec{
			Subject: "ops:" + *org, ChildOrgNumber: *org, Role: authn.RoleOps,
			Scopes: []string{"subscriptions:read", "subscriptions:write"},
		}, time.Now(), 10*time.Minute); err != nil {
			return err
		}
	}
	cc, err := grpc.NewClient(*addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return err
	}
	defer cc.Close()
	admin := subscriptionsv1.NewSubscriptionAdminServiceClient(cc)
	ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+tok)
	switch verb {
	case "list":
		if fs.NArg() != 0 {
			return errors.New("list takes no arguments")
		}
		return listPoison(ctx, admin, stdout)
	case "replay":
		if fs.NArg() != 1 {
			return errors.New("replay takes the entry's ID (its poisonMessages/ name or the number after it)")
		}
		name := fs.Arg(0)
		if !strings.HasPrefix(name, "poisonMessages/") {
			name = "poisonMessages/" + name
		}
		res, err := admin.ReplayPoisonMessage(ctx, &subscriptionsv1.ReplayPoisonMessageRequest{Name: name})
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "replayed %s: %d notifications queued\n", name, res.GetNotificationsQueued())
		return nil
	}
	fs.Usage()
	return fmt.Errorf("unknown poison command %q", verb)
}

func listPoison(ctx context.Context, admin subscriptionsv1.SubscriptionAdminServiceClient, stdout io.Writer) error {
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tSEQ\tSUBJECT\tEVENTS\tPOISONED\tREASON")
	n := 0
	for token := ""; ; {
		page, err := admin.ListPoisonMessages(ctx, &subscriptionsv1.ListPoisonMessagesRequest{PageToken: token})
		if err != nil {
			return err
		}
		for _, p := range page.GetPoisonMessages() {
			n++
			fmt.Fprintf(w, "%s\t%d\t%s\t%s\t%s\t%s\n", strings.TrimPrefix(p.GetName(), "poisonMessages/"), p.GetStreamSequence(),
				p.GetSubject(), p.GetCommitType(), p.GetPoisonedAt().AsTime().Format(time.RFC3339), p.GetReason())
		}
		if token = page.GetNextPageToken(); token == "" {
			break
		}
	}
	if n == 0 {
		_, err := fmt.Fprintln(stdout, "the poison queue is empty")
		return err
	}
	return w.Flush()
}
