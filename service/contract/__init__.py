"""The API contract in one package: request specs and their parsing (requests: ringkas's own,
libretranslate: LibreTranslate's, jobs: POST /v1/jobs), response schemas (responses), and the
route table (routes) that the blueprints, /openapi.json (openapi) and the auth middleware all
read. Nothing here imports Flask: the views are in service/api/.
"""
