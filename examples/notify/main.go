// Command notify shows per-user event streams: each user follows a stream
// of their own notifications, and a service sends a notification to one
// user.
//
//   - UserGuard (auth.go) finds the user by the request's bearer token and
//     attaches it with core.Attach; it lists *User in its Attaches method,
//     so that core.New checks every route that needs one is guarded by it.
//   - GET /me/notifications (notifications.go) receives the user in its
//     input, as a field tagged attached, and subscribes to the user's own
//     Hub topic, "user/<id>", with the client's Last-Event-ID: a client
//     that reconnects first gets the notes it missed.
//   - NotificationService.Notify (service.go) publishes to one user's
//     topic; POST /users/:id/notifications sends a note from the caller
//     to the user :id through it (202; 404 for an unknown user, 400 for a
//     missing text or one over 500 characters).
//   - GET /me returns who the token belongs to.
//
// Run it:
//
//	go run ./examples/notify              # listens on :8080
//	go run ./examples/notify -addr :8081  # when 8080 is taken
//
// The users are NOTIFY_USERS, such as "ann:tokenA,bob:tokenB", or by
// default ann and bob with random tokens. The example prints the commands
// to try with the tokens filled in; here they are with ANN and BOB set to
// ann's and bob's tokens. In a second terminal, follow bob's
// notifications:
//
//	curl -N localhost:8080/me/notifications -H "Authorization: Bearer $BOB"
//
// In a third, send bob a note from ann (202, and it appears in the second):
//
//	curl -i localhost:8080/users/bob/notifications -H "Authorization: Bearer $ANN" \
//	     -H 'Content-Type: application/json' -d '{"text":"lunch at noon?"}'
//
//	id: 2twbrimw9xzbb-1
//	event: notification
//	data: {"from":"ann","text":"lunch at noon?"}
//
// Ann's stream never shows it: each stream reads its user's topic only.
// Stop bob's stream, send him another note, and reconnect with the id of
// the last note he saw: he first gets the one he missed.
//
//	curl -N localhost:8080/me/notifications -H "Authorization: Bearer $BOB" \
//	     -H 'Last-Event-ID: 2twbrimw9xzbb-1'
//
// With -redis URL (or NOTIFY_REDIS) the users' topics live in Redis, so
// that several instances, as replicas behind a load balancer, serve one
// set of streams: a note sent through one instance reaches bob's stream on
// another. Give every instance the same NOTIFY_USERS.
//
//	NOTIFY_USERS=ann:a,bob:b go run ./examples/notify -addr :8080 -redis redis://localhost:6379/0
//	NOTIFY_USERS=ann:a,bob:b go run ./examples/notify -addr :8081 -redis redis://localhost:6379/0
package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"strings"

	"github.com/godanet/godanet/core"
	"github.com/godanet/godanet/module"
	"github.com/godanet/godanet/sse"
	"github.com/labstack/echo/v4/middleware"
)

func main() {
	addr := flag.String("addr", ":8080", "address to listen on, such as :8081 or 127.0.0.1:8080")
	redisURL := flag.String("redis", os.Getenv("NOTIFY_REDIS"), "keep the users' topics in Redis at this URL, such as redis://localhost:6379/0, to run several instances (default $NOTIFY_REDIS; empty: in memory)")
	flag.Parse()

	spec := os.Getenv("NOTIFY_USERS")
	users := DemoUsers()
	if spec != "" {
		var err error
		if users, err = ParseUsers(spec); err != nil {
			log.Fatal(err)
		}
	}
	var hub *sse.Hub
	if *redisURL == "" {
		hub = sse.NewHub()
	} else {
		client, err := connectRedis(*redisURL)
		if err != nil {
			log.Fatal(err)
		}
		defer client.Close()
		hub = RedisHub(client)
		fmt.Printf("notify: the users' topics are kept in Redis at %s\n", *redisURL)
		if spec == "" {
			fmt.Println("notify: the random tokens below are this instance's own; set one NOTIFY_USERS for every instance")
		}
	}
	defer hub.Close() // an App does not close its Hub: a Hub may outlive it

	app, err := newApp(users, hub)
	if err != nil {
		log.Fatal(err)
	}
	howToTry(os.Stdout, *addr, users.Accounts())
	if err := app.Listen(*addr); err != nil {
		log.Fatal(err)
	}
}

// newApp assembles the application on a set of users and a Hub.
func newApp(users *Users, hub *sse.Hub, options ...core.Option) (*core.App, error) {
	return core.New(rootModule(users, hub), append(appOptions(), options...)...)
}

// rootModule is the application's module graph; tests serve it with
// appOptions, as newApp does.
func rootModule(users *Users, hub *sse.Hub) *module.Module {
	return &module.Module{Name: "app", Imports: []*module.Module{NotifyModule(users, hub)}}
}

// appOptions are the App's options: a request id on every request (and in
// the logs), and a body limit that fits a note (at most 500 characters:
// 16 KiB is ample, where the default is 1 MiB).
func appOptions() []core.Option {
	return []core.Option{
		core.WithMiddleware(middleware.RequestID()),
		core.WithLimits(core.Limits{BodyBytes: 16 << 10}),
	}
}

// howToTry prints the users' tokens and the curl commands that follow the
// last user's stream and notify them from the first (for the demo users,
// bob's stream and a note from ann).
func howToTry(w io.Writer, addr string, accounts []Account) {
	base := "localhost" + listenPort(addr)
	from, to := accounts[0], accounts[len(accounts)-1]
	fmt.Fprintln(w, "notify: users and their bearer tokens (NOTIFY_USERS=name:token,... sets them):")
	for _, a := range accounts {
		fmt.Fprintf(w, "  %s: %s\n", a.User.ID, a.Token)
	}
	fmt.Fprintf(w, "Follow %s's notifications in a second terminal:\n", to.User.ID)
	fmt.Fprintf(w, "  curl -N %s/me/notifications -H %s\n", base, shellQuote("Authorization: Bearer "+to.Token))
	fmt.Fprintf(w, "and send %s a note from %s in a third:\n", to.User.ID, from.User.ID)
	fmt.Fprintf(w, "  curl -i %s/users/%s/notifications -H %s \\\n       -H 'Content-Type: application/json' -d '{\"text\":\"lunch at noon?\"}'\n",
		base, to.User.ID, shellQuote("Authorization: Bearer "+from.Token))
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// listenPort turns ":8080" or "0.0.0.0:8080" into ":8080" for the URL.
func listenPort(addr string) string {
	if i := strings.LastIndexByte(addr, ':'); i >= 0 {
		return addr[i:]
	}
	return addr
}
