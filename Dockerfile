# InterIR Stream. Build: docker build -t interir-stream .            (CPU, the default)
#                      docker build --build-arg MAVEN_PROFILE=cuda .   (GPU: swaps in libtorch for CUDA 12.1)
FROM maven:3.9-eclipse-temurin-17 AS build
ARG MAVEN_PROFILE=""
WORKDIR /src
COPY . .
RUN mvn -B -q package -DskipTests ${MAVEN_PROFILE:+-P$MAVEN_PROFILE}

FROM eclipse-temurin:17-jre
# tcmalloc for libtorch's tensors: glibc's malloc returns each large one to the kernel and faults it in again; the
# network took a third less time under tcmalloc on the 2-core reference machine (README.md, "Performance")
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends libtcmalloc-minimal4 \
    && rm -rf /var/lib/apt/lists/*
# libtorch is unpacked from the jar into the DJL cache on first start; keep it in a volume to start faster
# a fixed, pre-touched heap and few malloc arenas keep RSS flat under a container's memory limit (scripts/soak.py
# --minutes 30: within -1.0% / +2.0% of its 2-minute value; without the pre-touch RSS climbed 16% as G1 touched
# the heap)
ENV DJL_CACHE_DIR=/var/cache/interir/djl \
    INTERIR_SERVER_HOST=0.0.0.0 \
    MALLOC_ARENA_MAX=2 \
    LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4 \
    JAVA_TOOL_OPTIONS="-Xms1g -Xmx1g -XX:+AlwaysPreTouch -XX:MaxDirectMemorySize=192m"
COPY --from=build /src/stream-server/target/interir-stream.jar /opt/interir/interir-stream.jar
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s CMD wget -qO- http://127.0.0.1:8080/health >/dev/null || exit 1
ENTRYPOINT ["java", "-jar", "/opt/interir/interir-stream.jar"]
CMD ["serve"]
