// Command todo is godanet's showcase: a todo list served from three modules
// (store, auth, todo) as a REST API with validation, a bearer-token guard
// and problem-details errors, a live event stream of every change (with
// replay on reconnect), and a web page that stays in step with it.
//
//	go run ./examples/todo -addr :8080
//
// Writes need "Authorization: Bearer <token>": the token is TODO_TOKEN, or
// a random one printed at start-up.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"

	"github.com/godanet/godanet/core"
	"github.com/godanet/godanet/module"
	"github.com/labstack/echo/v4/middleware"
)

func main() {
	addr := flag.String("addr", ":8080", "address to listen on")
	flag.Parse()

	token := Token(os.Getenv("TODO_TOKEN"))
	if token == "" {
		token = randomToken()
		fmt.Printf("TODO_TOKEN is not set; writes need this token: %s\n", token)
	}
	app, err := newApp(token)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("todo: open http://localhost%s/\n", listenPort(*addr))
	if err := app.Listen(*addr); err != nil {
		log.Fatal(err)
	}
}

// newApp assembles the application; tests call it too.
func newApp(token Token, options ...core.Option) (*core.App, error) {
	root := &module.Module{
		Name:    "app",
		Imports: []*module.Module{TodoModule(AuthModule(token))},
	}
	options = append([]core.Option{core.WithMiddleware(middleware.RequestID(), middleware.BodyLimit("64K"))}, options...)
	return core.New(root, options...)
}

// listenPort turns ":8080" or "0.0.0.0:8080" into ":8080" for the URL.
func listenPort(addr string) string {
	for i := len(addr) - 1; i >= 0; i-- {
		if addr[i] == ':' {
			return addr[i:]
		}
	}
	return addr
}
