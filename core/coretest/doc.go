// Package coretest starts a godanet App for a test, the way NestJS's
// Test.createTestingModule does: Start builds the App from a root module
// and options (overrides among them), serves it over real HTTP on
// httptest, and stops it when the test ends.
//
//	func TestCreateTodo(t *testing.T) {
//		srv := coretest.Start(t, app.TodoModule,
//			core.OverrideProvider[app.Store](fakeStore),
//			core.OverrideGuard[*app.TokenGuard](core.GuardFunc(
//				func(core.Context) (bool, error) { return true, nil })))
//		res := srv.Do(httptest.NewRequest(http.MethodPost, "/todos", body))
//		...
//	}
//
// # Start and cleanup
//
// Start fails the test (t.Fatal) with New's error when the App cannot be
// built, so a misspelt override stops the test instead of testing
// nothing. The server is configured as the App's own would be
// (App.ConfigureServer). Through t.Cleanup, the App is shut down, with a
// deadline of ShutdownTimeout, which ends its event streams and runs its
// OnAppShutdown hooks, and then the server is closed; a Shutdown error
// fails the test.
//
// # Requests
//
// Server.URL is the base address; Server.Client is a client for it; and
// Server.Do sends a request whose URL may be a path alone (such as one
// made by httptest.NewRequest), fails the test if it cannot be sent, and
// closes the response's body when the test ends.
package coretest
