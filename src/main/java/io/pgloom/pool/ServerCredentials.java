// What pgloom presents to PostgreSQL when it logs in: the user, and a plain password or an MD5 hash of it.
package io.pgloom.pool;

public record ServerCredentials(String user, String password, String md5Hash) {
    @Override
    public String toString() {
        return "ServerCredentials[user=" + user + "]";
    }
}
