// A program written against the Go client that OpenAPI Generator makes from openapi/openapi.yaml.
// scripts/generate-other-clients.ts copies it into the generated module as cmd/smoke: compiling it
// proves the client's API is usable as generated; running it (-base-url) proves the client works
// with the real service: all nine operations, ETags, and problem+json errors decoded as Problem.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	usersapi "example.com/users-api/go-client"
)

func main() {
	baseURL := flag.String("base-url", "", "the Users API to call, e.g. http://127.0.0.1:5000")
	flag.Parse()
	if *baseURL == "" {
		fmt.Fprintln(os.Stderr, "usage: smoke -base-url http://127.0.0.1:5000")
		os.Exit(2)
	}
	if err := run(*baseURL); err != nil {
		fmt.Fprintln(os.Stderr, "smoke: FAILED:", err)
		os.Exit(1)
	}
	fmt.Println("smoke: ok")
}

func run(baseURL string) error {
	config := usersapi.NewConfiguration()
	config.Servers = usersapi.ServerConfigurations{{URL: baseURL}}
	api := usersapi.NewAPIClient(config)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	email := fmt.Sprintf("gopher.%d@example.com", time.Now().UnixNano())

	created, res, err := api.UsersAPI.CreateUser(ctx).UserRegistration(*usersapi.NewUserRegistration("  gopher ", email)).Execute()
	if err := check("createUser", res, err, http.StatusCreated); err != nil {
		return err
	}
	if created.Name != "gopher" || created.Email != email || res.Header.Get("ETag") != `"1"` {
		return fmt.Errorf("createUser: got %+v, ETag %s", created, res.Header.Get("ETag"))
	}
	etag := res.Header.Get("ETag")

	_, res, err = api.UsersAPI.CreateUser(ctx).UserRegistration(*usersapi.NewUserRegistration("again", strings.ToUpper(email))).Execute()
	if err := checkProblem("createUser", res, err, http.StatusConflict, "EMAIL_TAKEN"); err != nil {
		return err
	}

	got, res, err := api.UsersAPI.GetUser(ctx, created.Id).Execute()
	if err := check("getUser", res, err, http.StatusOK); err != nil {
		return err
	}
	if got.Id != created.Id || !got.CreatedAt.Equal(created.CreatedAt) {
		return fmt.Errorf("getUser: got %+v, want %+v", got, created)
	}
	_, res, _ = api.UsersAPI.GetUser(ctx, created.Id).IfNoneMatch(etag).Execute()
	if err := check("getUser", res, nil, http.StatusNotModified); err != nil {
		return err
	}

	page, res, err := api.UsersAPI.ListUsers(ctx).Email(strings.ToUpper(email)).Limit(5).Execute()
	if err := check("listUsers", res, err, http.StatusOK); err != nil {
		return err
	}
	if len(page.Items) != 1 || page.Items[0].Id != created.Id || page.NextCursor.Get() != nil {
		return fmt.Errorf("listUsers: got %+v", page)
	}

	patch := usersapi.NewUserPatch()
	patch.SetName("gopher two")
	updated, res, err := api.UsersAPI.UpdateUser(ctx, created.Id).IfMatch(etag).UserPatch(*patch).Execute()
	if err := check("updateUser", res, err, http.StatusOK); err != nil {
		return err
	}
	if updated.Name != "gopher two" || res.Header.Get("ETag") != `"2"` {
		return fmt.Errorf("updateUser: got %+v, ETag %s", updated, res.Header.Get("ETag"))
	}
	_, res, err = api.UsersAPI.UpdateUser(ctx, created.Id).IfMatch(etag).UserPatch(*patch).Execute()
	if err := checkProblem("updateUser", res, err, http.StatusPreconditionFailed, "PRECONDITION_FAILED"); err != nil {
		return err
	}

	listed, res, err := api.LegacyAPI.LegacyListUsers(ctx).Email(email).Execute()
	if err := checkDeprecated("legacyListUsers", res, err, http.StatusOK); err != nil {
		return err
	}
	if len(listed) != 1 || listed[0].Name != "gopher two" {
		return fmt.Errorf("legacyListUsers: got %+v", listed)
	}

	payload := usersapi.NewLegacyUserChanges()
	payload.SetName("gopher three")
	renamed, res, err := api.LegacyAPI.LegacyUpdateUser(ctx).LegacyUpdate(*usersapi.NewLegacyUpdate(*usersapi.NewLegacyUserQuery(email), *payload)).Execute()
	if err := checkDeprecated("legacyUpdateUser", res, err, http.StatusOK); err != nil {
		return err
	}
	if renamed.Name != "gopher three" {
		return fmt.Errorf("legacyUpdateUser: got %+v", renamed)
	}

	res, err = api.UsersAPI.DeleteUser(ctx, created.Id).IfMatch(`"3"`).Execute()
	if err := check("deleteUser", res, err, http.StatusNoContent); err != nil {
		return err
	}
	_, res, err = api.UsersAPI.GetUser(ctx, created.Id).Execute()
	if err := checkProblem("getUser", res, err, http.StatusNotFound, "USER_NOT_FOUND"); err != nil {
		return err
	}

	registered, res, err := api.LegacyAPI.LegacyRegister(ctx).UserRegistration(*usersapi.NewUserRegistration("tutorial gopher", email)).Execute()
	if err := checkDeprecated("legacyRegister", res, err, http.StatusCreated); err != nil {
		return err
	}
	if registered.Email != email {
		return fmt.Errorf("legacyRegister: got %+v", registered)
	}
	res, err = api.LegacyAPI.LegacyDeleteUser(ctx).LegacyDelete(*usersapi.NewLegacyDelete(strings.ToUpper(email))).Execute()
	if err := checkDeprecated("legacyDeleteUser", res, err, http.StatusNoContent); err != nil {
		return err
	}
	res, err = api.LegacyAPI.LegacyDeleteUser(ctx).LegacyDelete(*usersapi.NewLegacyDelete(email)).Execute()
	return checkProblem("legacyDeleteUser", res, err, http.StatusNotFound, "USER_NOT_FOUND")
}

// check reports the call and fails unless it answered the status wanted (and, below 300, no error).
func check(operation string, res *http.Response, err error, status int) error {
	if res == nil {
		return fmt.Errorf("%s: no response: %v", operation, err)
	}
	fmt.Printf("%-16s %-6s %-24s %d\n", operation, res.Request.Method, res.Request.URL.Path, res.StatusCode)
	if res.StatusCode != status {
		return fmt.Errorf("%s: status %d, want %d (%v)", operation, res.StatusCode, status, err)
	}
	if status < 300 && err != nil {
		return fmt.Errorf("%s: %w", operation, err)
	}
	return nil
}

// checkProblem also wants the error to carry the response's problem+json body as a Problem.
func checkProblem(operation string, res *http.Response, err error, status int, code string) error {
	if err := check(operation, res, err, status); err != nil {
		return err
	}
	var apiErr *usersapi.GenericOpenAPIError
	if !errors.As(err, &apiErr) {
		return fmt.Errorf("%s: error %T is not a GenericOpenAPIError", operation, err)
	}
	problem, ok := apiErr.Model().(usersapi.Problem)
	if !ok {
		return fmt.Errorf("%s: error model %T is not a Problem", operation, apiErr.Model())
	}
	if problem.Code != code || int(problem.Status) != status {
		return fmt.Errorf("%s: problem %+v, want %d %s", operation, problem, status, code)
	}
	return nil
}

// checkDeprecated also wants the legacy routes' Deprecation and Link headers.
func checkDeprecated(operation string, res *http.Response, err error, status int) error {
	if err := check(operation, res, err, status); err != nil {
		return err
	}
	if res.Header.Get("Deprecation") == "" || !strings.Contains(res.Header.Get("Link"), `rel="successor-version"`) {
		return fmt.Errorf("%s: no Deprecation/Link headers: %v", operation, res.Header)
	}
	return nil
}
