"""The web app: pages, static files and the development server command."""
