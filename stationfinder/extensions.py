"""Unbound extension instances; the app factory binds them in ``register_extensions``."""

from flask_babel import Babel
from flask_compress import Compress
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from stationfinder.limiting import Limiter
from stationfinder.models.base import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login = LoginManager()
csrf = CSRFProtect()
babel = Babel()
# Only views carry limits, each with its own key (device first, address second): see ratelimits.
limiter = Limiter()
api = Api()
# It keeps the settings of the last app bound (algorithms, types); every app here has the same.
compress = Compress()
