from .activation import *
from .linear import *
from .loss import *
