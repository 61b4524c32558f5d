// Entry point: argument parsing, wiring, signals and lifecycle of one pgloom process.
package io.pgloom;

public final class Main {
    private Main() {}

    public static void main(String[] args) {
        System.out.println("pgloom (work in progress)");
    }
}
