// Whether the process serves HTTP (a liveness probe; no token needed).
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
	ctx := context.Background()

	health, res, err := client.HealthAPI.GetLiveness(ctx).Execute()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Status)
	body, _ := json.MarshalIndent(health, "", "  ")
	fmt.Println(string(body))
}
