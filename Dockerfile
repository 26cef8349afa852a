# Labbook: build with cargo-leptos, run from a slim image.
# docker build -t labbook . && docker run -p 8080:8080 -p 8008:8008 -p 8081:8081 -v labbook:/data labbook

FROM rust:1.95-bookworm AS build
RUN rustup target add wasm32-unknown-unknown \
 && cargo install cargo-leptos@0.3.10 --locked \
 && cargo install wasm-bindgen-cli@0.2.130 \
 && apt-get update && apt-get install -y --no-install-recommends nodejs npm && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY scripts/package.json scripts/package-lock.json scripts/
RUN cd scripts && npm ci --no-audit --no-fund
ENV PATH=/src/scripts/node_modules/.bin:$PATH
COPY . .
RUN cargo leptos build --release --precompress

FROM debian:bookworm-slim AS runtime
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/lib/apt/lists/* \
 && useradd --system --create-home labbook && mkdir /data && chown labbook /data
COPY --from=build /src/target/release/labbook /usr/local/bin/labbook
COPY --from=build /src/target/site /app/site
USER labbook
ENV LABBOOK_DATA_DIR=/data LABBOOK_HOST=0.0.0.0 LEPTOS_SITE_ROOT=/app/site
VOLUME /data
EXPOSE 8080 8008 8081
ENTRYPOINT ["labbook"]
CMD ["serve"]
