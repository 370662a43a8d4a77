"""Unbound extension objects; create_app binds them. Nothing here touches a database."""

from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy

from server.models.base import Base

db = SQLAlchemy(metadata=Base.metadata)
migrate = Migrate()
api = Api()
