// The tutorial's update: renames the user with that email (deprecated: use UpdateUser).
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

	payload := usersapi.NewLegacyUserChanges()
	payload.SetName("Ada King")
	update := usersapi.NewLegacyUpdate(*usersapi.NewLegacyUserQuery(os.Getenv("USER_EMAIL")), *payload)
	user, res, err := client.LegacyAPI.LegacyUpdateUser(ctx).LegacyUpdate(*update).Execute()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Status)
	body, _ := json.MarshalIndent(user, "", "  ")
	fmt.Println(string(body))
}
