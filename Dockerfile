# One image for the worker and the API (docker-compose.yml picks the command).
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
# The Temporal binaries are only needed for the embedded mode and tests; production talks to a cluster.
RUN npm ci --ignore-scripts
COPY . .
USER node
CMD ["npm", "run", "worker"]
