/** Peering: cancel keys that name the instance that issued them, and forwarding a cancel to that instance once. */
package io.pgloom.peer;
