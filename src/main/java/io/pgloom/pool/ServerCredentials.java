// What pgloom presents to PostgreSQL when it logs in: the user, and a plain password, an MD5 hash, or (SCRAM
// pass-through for auth_query users) the ClientKey a client's own SCRAM proof revealed and the verifier it belongs to.
package io.pgloom.pool;

import io.pgloom.auth.ScramVerifier;

public record ServerCredentials(
        String user, String password, String md5Hash, byte[] scramClientKey, ScramVerifier verifier) {
    public ServerCredentials(String user, String password, String md5Hash) {
        this(user, password, md5Hash, null, null);
    }

    @Override
    public String toString() {
        return "ServerCredentials[user=" + user + "]";
    }
}
