# pgloom container image: built with the Maven wrapper, run on a JRE 21 as a non-root user.
#   docker build -t pgloom .
#   docker run -p 6432:6432 -p 9930:9930 -v $PWD/my.toml:/etc/pgloom/proxy.toml pgloom
FROM eclipse-temurin:21-jdk AS build
WORKDIR /src
COPY .mvn .mvn
COPY mvnw pom.xml ./
COPY scripts scripts
RUN ./mvnw -B -ntp -q dependency:resolve-plugins dependency:resolve || true
COPY src src
RUN ./mvnw -B -ntp -q -DskipTests package

FROM eclipse-temurin:21-jre
RUN useradd --system --no-create-home --uid 10001 pgloom && mkdir -p /etc/pgloom /opt/pgloom
COPY --from=build /src/target/proxy.jar /opt/pgloom/proxy.jar
# A default config; mount your own at /etc/pgloom/proxy.toml. http_listen must not be loopback-only in a container.
COPY conf/container.toml /etc/pgloom/proxy.toml
USER 10001
EXPOSE 6432 9930
# Ready means: accepting, not shutting down, and every backend answers SELECT 1.
HEALTHCHECK --interval=10s --timeout=6s --start-period=20s --retries=3 \
  CMD ["java", "-cp", "/opt/pgloom/proxy.jar", "io.pgloom.Probe", "http://127.0.0.1:9930/readyz"]
# java is PID 1: SIGTERM from `docker stop` / Kubernetes runs the graceful shutdown (shutdown_timeout). Logs go to stdout.
# Java 21 cannot relaunch itself (JvmLauncher needs 22+), so the image gives the JVM pgloom's flags itself (runbook:
# "JVM flags pgloom starts itself with"): the serial collector and a small initial heap, for CPU and RSS.
ENTRYPOINT ["java", "-XX:+ExitOnOutOfMemoryError", "-XX:+UseSerialGC", "-Xms16m", "-jar", "/opt/pgloom/proxy.jar", "/etc/pgloom/proxy.toml"]
