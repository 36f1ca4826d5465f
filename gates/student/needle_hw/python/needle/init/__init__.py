from .init_basic import *
from .init_initializers import *
