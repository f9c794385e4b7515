// Command helloworld is the smallest chalice for Go app.
package main

import "github.com/chalice-go/chalice/app"

func newApp() *app.App {
	a := app.New("helloworld")
	a.Route("/", index)
	return a
}

// index greets the world.
func index(*app.Request) (any, error) {
	return map[string]string{"hello": "world"}, nil
}

func main() { newApp().Run() }
