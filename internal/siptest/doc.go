// Package siptest holds what tests need to call the SIP bridge from Go: a
// sipgo client whose socket the test owns.
//
// A sipgo client left to make its own UDP connections leaked one now and
// then: sipgo (1.7.3) can count a connection's references below zero without
// closing it ("UDP ref went negative on try close"), and closing the user
// agent then skips it, so its reader outlives the test (goleak caught it in
// CI). A client that sends from a socket the test serves and closes has no
// such connection.
package siptest
