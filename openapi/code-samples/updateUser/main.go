// Renames a user with a JSON Merge Patch, only if it is still at version ETAG (else 412).
package main

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"log"
	"os"

	usersapi "example.com/users-api/go-client"
)

func main() {
	config := usersapi.NewConfiguration()
	config.Servers = usersapi.ServerConfigurations{{URL: cmp.Or(os.Getenv("USERS_API_URL"), "http://127.0.0.1:5000")}}
	client := usersapi.NewAPIClient(config)
	ctx := context.WithValue(context.Background(), usersapi.ContextAccessToken, os.Getenv("USERS_API_TOKEN"))

	patch := usersapi.NewUserPatch()
	patch.SetName("Ada King")
	user, res, err := client.UsersAPI.UpdateUser(ctx, os.Getenv("USER_ID")).IfMatch(os.Getenv("ETAG")).UserPatch(*patch).Execute()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Status)
	fmt.Println("ETag:", res.Header.Get("ETag"))
	body, _ := json.MarshalIndent(user, "", "  ")
	fmt.Println(string(body))
}
