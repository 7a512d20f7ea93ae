// One user and its ETag. Pass the ETag to IfNoneMatch to get 304 while it is unchanged.
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

	user, res, err := client.UsersAPI.GetUser(ctx, os.Getenv("USER_ID")).Execute()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Status)
	fmt.Println("ETag:", res.Header.Get("ETag"))
	body, _ := json.MarshalIndent(user, "", "  ")
	fmt.Println(string(body))
}
