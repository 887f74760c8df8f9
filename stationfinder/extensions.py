"""Unbound extension instances; the app factory binds them in ``register_extensions``."""

from flask_babel import Babel
from flask_compress import Compress
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from stationfinder.models.base import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login = LoginManager()
csrf = CSRFProtect()
babel = Babel()
# Per-route limits choose their own key (device first, IP second); the IP default
# only backs routes that set no key of their own.
limiter = Limiter(key_func=get_remote_address, default_limits=[])
api = Api()
# It keeps the settings of the last app bound (algorithms, types); every app here has the same.
compress = Compress()
